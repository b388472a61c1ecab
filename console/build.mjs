// Bundles the console into dist/ (app.js, index.html, styles.css). No CDN: everything the page
// loads comes from the server, so the console works with no internet.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";

mkdirSync("dist", { recursive: true });
await build({
  entryPoints: ["src/main.tsx"],
  bundle: true,
  minify: true,
  sourcemap: true,
  target: "es2020",
  outfile: "dist/app.js",
  jsx: "automatic",
  jsxImportSource: "preact",
});
copyFileSync("index.html", "dist/index.html");
copyFileSync("styles.css", "dist/styles.css");
