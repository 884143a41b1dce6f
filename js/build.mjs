// Bundle the two anywidget ES modules into ../canvas_widgets/static/ (git-ignored; the wheel
// carries them). `node build.mjs --watch` rebuilds on change, for use with ANYWIDGET_HMR=1.
//
// CSS is imported as text and injected by the widget (shared/dom.ts) rather than shipped as
// anywidget `_css` files: one file per widget for the Python side to point at, and the wheel's
// artifact list (canvas_widgets/static/*.js) stays as it is.
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.resolve(here, "..", "canvas_widgets", "static");
const watch = process.argv.includes("--watch");

/**
 * `import css from "./styles.css"` gives the stylesheet as a string, minified by esbuild's own
 * CSS minifier (the plain "text" loader would keep comments and whitespace).
 * @type {esbuild.Plugin}
 */
const cssAsText = {
  name: "css-as-text",
  setup(build) {
    build.onLoad({ filter: /\.css$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const { code } = await esbuild.transform(source, {
        loader: "css",
        minify: !watch,
        target: "chrome100",
      });
      return { contents: code, loader: "text" };
    });
  },
};

/** @type {esbuild.BuildOptions} */
const options = {
  entryPoints: {
    builder: path.join(here, "src", "builder", "index.ts"),
    graph: path.join(here, "src", "graph", "index.ts"),
  },
  outdir,
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: !watch,
  plugins: [cssAsText],
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
};

await mkdir(outdir, { recursive: true });
if (watch) {
  const ctx = await esbuild.context({ ...options, logLevel: "info" });
  await ctx.watch();
} else {
  const result = await esbuild.build(options);
  for (const [file, info] of Object.entries(result.metafile.outputs)) {
    console.log(`${path.relative(process.cwd(), file)}  ${(info.bytes / 1024).toFixed(1)} KiB`);
  }
}
