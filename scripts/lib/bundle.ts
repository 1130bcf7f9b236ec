import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { build, type BuildResult } from "esbuild";
import { FUNCTIONS_DIST_DIR, FUNCTIONS_SOURCE_DIR } from "./paths";

/** Every `functions/<name>/index.ts` except the shared code. */
export function functionNames(sourceDir: string = FUNCTIONS_SOURCE_DIR): string[] {
  return readdirSync(sourceDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== "shared")
    .filter((entry) => existsSync(join(sourceDir, entry.name, "index.ts")))
    .map((entry) => entry.name)
    .sort();
}

// Bundled CommonJS dependencies call require() for Node built-ins; ESM has no require unless it is made.
const REQUIRE_SHIM = 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);';

/** Bundles functions as minified ESM for Node 20+, AWS SDK included, into `dist/functions/<name>/index.mjs`. */
export async function bundleFunctions(names: readonly string[]): Promise<BuildResult<{ metafile: true }>> {
  for (const name of names) {
    rmSync(join(FUNCTIONS_DIST_DIR, name), { recursive: true, force: true });
  }
  // One build for all entry points: esbuild parses the shared dependencies once.
  return build({
    entryPoints: Object.fromEntries(names.map((name) => [`${name}/index`, join(FUNCTIONS_SOURCE_DIR, name, "index.ts")])),
    outdir: FUNCTIONS_DIST_DIR,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "node",
    target: "node20",
    mainFields: ["module", "main"],
    banner: { js: REQUIRE_SHIM },
    legalComments: "none",
    logLevel: "warning",
    metafile: true,
  });
}
