// Copy or bundle front-end packages into static/build (git-ignored); quick when nothing changed.
import { build } from "esbuild";
import { copyFileSync, existsSync, mkdirSync, statSync } from "node:fs";

const out = "static/build";
mkdirSync(out, { recursive: true });

function newer(src, dest) {
  return !existsSync(dest) || statSync(src).mtimeMs > statSync(dest).mtimeMs;
}

const copies = [["node_modules/htmx.org/dist/htmx.min.js", `${out}/htmx.min.js`]];
for (const [src, dest] of copies) if (newer(src, dest)) copyFileSync(src, dest);

// Bundles: every entry under static/src/*.js becomes static/build/<name>.js.
const entries = [["static/src/editor.js", `${out}/editor.js`]].filter(([src]) => existsSync(src));
for (const [src, dest] of entries) {
  await build({ entryPoints: [src], bundle: true, minify: true, format: "esm", outfile: dest, logLevel: "warning" });
}
