import { statSync } from "node:fs";
import { join } from "node:path";
import { bundleFunctions, bundleRuntime, functionNames } from "./lib/bundle";
import { FUNCTIONS_DIST_DIR } from "./lib/paths";

/** Bundles every function into dist/functions, and the local runtime into dist/local, and prints each function's size. */
export async function buildFunctions(): Promise<void> {
  const started = performance.now();
  const names = functionNames();
  await Promise.all([bundleFunctions(names), bundleRuntime()]);
  for (const name of names) {
    const size = statSync(join(FUNCTIONS_DIST_DIR, name, "index.mjs")).size;
    console.log(`  ${name.padEnd(22)} ${(size / 1024).toFixed(1).padStart(7)} KB`);
  }
  console.log(`Built ${names.length} functions in ${Math.round(performance.now() - started)} ms`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildFunctions();
}
