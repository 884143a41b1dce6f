import { describe, expect, it } from "vitest";
import { bindParameters, type Parameter, signatureText } from "./binding";

const p = (
  name: string,
  kind: Parameter["kind"] = "positional_or_keyword",
  d: string | null = null,
) => ({ name, kind, default: d, annotation: null }) as Parameter;

describe("bindParameters", () => {
  it("gives the leading value first, then args, kwargs and defaults", () => {
    const params = [p("x"), p("y"), p("z", "positional_or_keyword", "3")];
    expect(
      bindParameters(params, { count: 1, what: "the previous step's result" }, [8], {}),
    ).toEqual([
      { name: "x", source: "leading", text: "the previous step's result" },
      { name: "y", source: "args", text: "8" },
      { name: "z", source: "default", text: "default 3" },
    ]);
    expect(bindParameters(params, null, [1], { y: "a" }).map((b) => b.source)).toEqual([
      "args",
      "kwargs",
      "default",
    ]);
  });

  it("says what is missing, given twice or too many", () => {
    const params = [p("x"), p("y")];
    expect(bindParameters(params, null, [1], {}).map((b) => b.source)).toEqual(["args", "missing"]);
    const surplus = bindParameters(params, { count: 1, what: "prev" }, [1, 2], { q: 1 });
    expect(surplus.map((b) => [b.name, b.source])).toEqual([
      ["x", "leading"],
      ["y", "args"],
      ["", "surplus"],
      ["q", "surplus"],
    ]);
    expect(surplus[2]?.text).toBe("1 positional value too many: 2");
    expect(bindParameters(params, null, [1], { x: 2 })[0]?.source).toBe("surplus");
  });

  it("collects *args and **kwargs; keyword-only parameters take keywords only", () => {
    const params = [
      p("a"),
      p("rest", "var_positional"),
      p("k", "keyword_only", "1"),
      p("extra", "var_keyword"),
    ];
    const b = bindParameters(params, null, [1, 2, 3], { k: 5, other: true });
    expect(b.map((x) => [x.name, x.text])).toEqual([
      ["a", "1"],
      ["*rest", "(2, 3)"],
      ["k", "5"],
      ["**extra", "{'other': True}"],
    ]);
    expect(signatureText(params)).toBe("(a, *rest, k=1, **extra)");
    expect(signatureText([p("a"), p("k", "keyword_only")])).toBe("(a, *, k)");
  });
});
