// ES2022's Object.hasOwn (in every browser JupyterLab 4 supports), for the ES2020 `lib` of tsconfig.
interface ObjectConstructor {
  hasOwn(o: object, key: PropertyKey): boolean;
}
