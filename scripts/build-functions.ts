import { statSync } from "node:fs";
import { join } from "node:path";
import { bundleFunction, functionNames } from "./lib/bundle";
import { FUNCTIONS_DIST_DIR } from "./lib/paths";

const started = performance.now();
const names = functionNames();
await Promise.all(names.map((name) => bundleFunction(name)));
for (const name of names) {
  const size = statSync(join(FUNCTIONS_DIST_DIR, name, "index.mjs")).size;
  console.log(`  ${name.padEnd(22)} ${(size / 1024).toFixed(1).padStart(7)} KB`);
}
console.log(`Built ${names.length} functions in ${Math.round(performance.now() - started)} ms`);
