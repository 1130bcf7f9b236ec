/**
 * `npm run synth`: builds the function bundles, then synthesizes every stack into cdktf.out, in one process.
 * It writes what `cdktf synth` writes (cdktf.json's app is the same main.ts) without the CLI's seconds of start-up.
 */
import { buildFunctions } from "./build-functions";

// --no-build reuses the bundles in dist/functions, e.g. when tests already built them.
if (!process.argv.includes("--no-build")) {
  await buildFunctions();
}
const started = performance.now();
await import("../main");
console.log(`Synthesized in ${Math.round(performance.now() - started)} ms`);
