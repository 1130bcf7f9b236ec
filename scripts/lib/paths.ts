import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, wherever the scripts are run from. */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const FUNCTIONS_SOURCE_DIR = join(PROJECT_ROOT, "functions");
export const FUNCTIONS_DIST_DIR = join(PROJECT_ROOT, "dist", "functions");
export const SYNTH_OUT_DIR = join(PROJECT_ROOT, "cdktf.out");
