import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { build, type BuildResult, type Plugin } from "esbuild";
import { FUNCTIONS_DIST_DIR, FUNCTIONS_SOURCE_DIR, PROJECT_ROOT } from "./paths";

/** Every `functions/<name>/index.ts` except the shared code. */
export function functionNames(sourceDir: string = FUNCTIONS_SOURCE_DIR): string[] {
  return readdirSync(sourceDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== "shared")
    .filter((entry) => existsSync(join(sourceDir, entry.name, "index.ts")))
    .map((entry) => entry.name)
    .sort();
}

/**
 * Credential providers the SDK imports lazily, only when no credentials are in the environment. Lambda (and the
 * local runtime) always put them there, so bundling these would only cost parse time at every cold start; if ever
 * reached in Lambda they resolve to the SDK that the nodejs22.x runtime ships.
 */
const LAZY_CREDENTIAL_PROVIDERS = [
  "@aws-sdk/credential-provider-sso",
  "@aws-sdk/credential-provider-ini",
  "@aws-sdk/credential-provider-process",
  "@aws-sdk/credential-provider-web-identity",
];

/** The AWS SDK clients' generated schema modules: every shape of the service, whichever commands a function uses. */
export const SDK_SCHEMA_MODULE = /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;

/**
 * Writes the SDK's computed keys of string constants (`{ [_hE]: 403 }`, where `const _hE = "httpError"`) as the plain
 * keys they stand for. esbuild must keep an object literal with a computed key, since computing a key can run code,
 * and with it every schema of the service; with plain keys it drops the schemas no command uses. S3's take 8 KB of a
 * bundle instead of 66 KB, and validate-audio's cold import went from about 119 to 101 ms.
 */
export function inlineSchemaKeys(source: string): string {
  const strings = new Map<string, string>();
  for (const [, name, literal] of source.matchAll(/^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm)) strings.set(name, literal);
  return source.replace(/\[(_\w+)\]:/g, (computed, name: string) => (strings.has(name) ? `${strings.get(name)}:` : computed));
}

export const inlineSchemaKeysPlugin: Plugin = {
  name: "inline-sdk-schema-keys",
  setup(build) {
    build.onLoad({ filter: SDK_SCHEMA_MODULE }, ({ path }) => ({ contents: inlineSchemaKeys(readFileSync(path, "utf8")), loader: "js" }));
  },
};

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
    external: LAZY_CREDENTIAL_PROVIDERS,
    legalComments: "none",
    logLevel: "warning",
    metafile: true,
    plugins: [inlineSchemaKeysPlugin],
  });
}

/** Where `npm start` runs the local runtime from: plain JavaScript, so no TypeScript loader sits in its memory. */
export const RUNTIME_ENTRY = join(PROJECT_ROOT, "dist", "local", "cli.mjs");

/**
 * Node flags of the runtime process (`npm start` and `npm run local` pass the same). A 2 MB semi-space caps the main
 * thread's young generation, which the gateway, dynalite and s3rver fill with short-lived objects: after a pipeline
 * run and 1,000 handshakes the runtime held 10 to 20 MB less, with the same fan-out and pipeline latencies.
 */
export const RUNTIME_NODE_FLAGS = ["--max-semi-space-size=2"] as const;

/** Bundles the local runtime (its own code; packages stay in node_modules) with the worker scripts beside it. */
export async function bundleRuntime(): Promise<void> {
  const outdir = join(PROJECT_ROOT, "dist", "local");
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: [join(PROJECT_ROOT, "local", "cli.ts")],
    outfile: RUNTIME_ENTRY,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    logLevel: "warning",
  });
  for (const script of ["functions/worker.mjs", "functions/routing.mjs", "dynamodb/dynalite-worker.mjs"]) {
    copyFileSync(join(PROJECT_ROOT, "local", script), join(outdir, basename(script)));
  }
}
