/**
 * `npm run synth`: builds the function bundles and synthesizes every stack into cdktf.out, in one process.
 * It writes what `cdktf synth` writes (cdktf.json's app is the same main.ts) without the CLI's seconds of start-up.
 * Synthesis only names the bundles' folders, so it runs while esbuild (a process of its own) builds them.
 */
import { buildFunctions } from "./build-functions";

// --no-build reuses the bundles in dist/functions, e.g. when tests already built them.
const building = process.argv.includes("--no-build") ? Promise.resolve() : buildFunctions();
const started = performance.now();
await import("../main");
console.log(`Synthesized in ${Math.round(performance.now() - started)} ms`);
await building;
