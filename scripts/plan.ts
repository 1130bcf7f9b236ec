/**
 * Plan review: synthesize, then `terraform init`, `validate` and `plan` every stack with the real AWS provider.
 *
 * Offline it still works: with TF_PROVIDER_MIRROR set (a filesystem mirror of providers), Terraform installs
 * from the mirror only; without AWS credentials the provider gets test credentials and skip flags; and when the
 * archive provider is not in the mirror, each archive_file is replaced by a zip of the same folder built here.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import {
  archiveInputs,
  REGISTRY_UNREACHABLE,
  replaceArchives,
  summarizePlan,
  withOfflineProvider,
  withStateOf,
  type PlanSummary,
  type TerraformJson,
} from "./lib/plan-review";
import { PROJECT_ROOT, SYNTH_OUT_DIR } from "./lib/paths";
import { writeZip } from "./lib/zip";

const REVIEW_ROOT = join(SYNTH_OUT_DIR, "plan");
const env = process.env;

function fail(message: string): never {
  console.error(`plan: ${message}`);
  process.exit(1);
}

function terraformAvailable(): boolean {
  return spawnSync("terraform", ["version"], { stdio: "ignore" }).status === 0;
}

function hasAwsCredentials(): boolean {
  return Boolean(
    env.AWS_ACCESS_KEY_ID ||
      env.AWS_PROFILE ||
      env.AWS_WEB_IDENTITY_TOKEN_FILE ||
      env.AWS_CONTAINER_CREDENTIALS_FULL_URI ||
      env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
  );
}

/** A CLI configuration that installs every provider from the mirror and nothing from the network. */
function mirrorCliConfig(mirror: string): string {
  const path = join(REVIEW_ROOT, "terraform.rc");
  writeFileSync(
    path,
    `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirror)}\n  }\n}\n`,
  );
  return path;
}

function terraform(dir: string, args: string[], terraformEnv: NodeJS.ProcessEnv): string {
  const result = spawnSync("terraform", [...args, "-no-color"], { cwd: dir, env: terraformEnv, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) {
    if (args[0] === "init" && !env.TF_PROVIDER_MIRROR && /could not connect to registry\.terraform\.io/.test(result.stderr + result.stdout)) {
      fail(`${REGISTRY_UNREACHABLE}\n${result.stderr}`);
    }
    fail(`terraform ${args[0]} failed in ${relative(PROJECT_ROOT, dir)}\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

async function reviewStack(stackId: string, options: { offline: boolean; replaceArchive: boolean; terraformEnv: NodeJS.ProcessEnv }): Promise<PlanSummary> {
  const stackDir = join(SYNTH_OUT_DIR, "stacks", stackId);
  const reviewDir = join(REVIEW_ROOT, stackId);
  rmSync(reviewDir, { recursive: true, force: true });
  mkdirSync(reviewDir, { recursive: true });

  let config = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")) as TerraformJson;
  config = withStateOf(config, relative(PROJECT_ROOT, reviewDir), relative(PROJECT_ROOT, stackDir));
  if (options.replaceArchive) {
    const built = new Map<string, { outputPath: string; base64Sha256: string }>();
    for (const archive of archiveInputs(config)) {
      const zip = await writeZip(join(stackDir, archive.sourceDir), join(reviewDir, archive.outputPath));
      built.set(archive.address, { outputPath: archive.outputPath, base64Sha256: zip.base64Sha256 });
    }
    config = replaceArchives(config, built);
  }
  if (options.offline) {
    config = withOfflineProvider(config);
  }
  writeFileSync(join(reviewDir, "cdk.tf.json"), JSON.stringify(config, null, 2));

  terraform(reviewDir, ["init", "-input=false"], options.terraformEnv);
  terraform(reviewDir, ["validate"], options.terraformEnv);
  terraform(reviewDir, ["plan", "-input=false", "-lock=false", "-out=review.tfplan"], options.terraformEnv);
  const plan = JSON.parse(terraform(reviewDir, ["show", "-json", "review.tfplan"], options.terraformEnv));
  return summarizePlan(plan);
}

async function main(): Promise<void> {
  if (!terraformAvailable()) {
    fail("Terraform CLI not found on PATH; install Terraform >= 1.5 to review plans");
  }
  if (!process.argv.includes("--no-synth")) {
    console.log("Synthesizing...");
    const synthArgs = ["tsx", "scripts/synth.ts", ...(process.argv.includes("--no-build") ? ["--no-build"] : [])];
    execFileSync("npx", synthArgs, { cwd: PROJECT_ROOT, stdio: ["ignore", "ignore", "inherit"] });
  }
  const stacksDir = join(SYNTH_OUT_DIR, "stacks");
  if (!existsSync(stacksDir)) {
    fail(`No synthesized stacks in ${relative(PROJECT_ROOT, stacksDir)}`);
  }
  mkdirSync(REVIEW_ROOT, { recursive: true });

  const mirror = env.TF_PROVIDER_MIRROR;
  const terraformEnv: NodeJS.ProcessEnv = { ...env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" };
  if (mirror) {
    if (!existsSync(join(mirror, "registry.terraform.io", "hashicorp", "aws"))) {
      fail(`TF_PROVIDER_MIRROR=${mirror} holds no registry.terraform.io/hashicorp/aws`);
    }
    terraformEnv.TF_CLI_CONFIG_FILE = mirrorCliConfig(mirror);
  }
  const archiveInMirror = mirror ? existsSync(join(mirror, "registry.terraform.io", "hashicorp", "archive")) : true;
  const options = {
    offline: !hasAwsCredentials(),
    replaceArchive: env.PLAN_PREBUILD_ZIPS === "1" || !archiveInMirror,
    terraformEnv,
  };
  console.log(
    [
      `Providers: ${mirror ? `mirror ${mirror}` : "registry"}`,
      `credentials: ${options.offline ? "none (offline plan with test credentials)" : "from the environment"}`,
      `archive_file: ${options.replaceArchive ? "replaced by pre-built zips" : "archive provider"}`,
    ].join("; "),
  );

  const stacks = readdirSync(stacksDir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  const stackFilter = env.PLAN_STACKS?.split(",").filter(Boolean);
  for (const stackId of stacks.filter((id) => !stackFilter || stackFilter.includes(id))) {
    const started = performance.now();
    const summary = await reviewStack(stackId, options);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`\n${stackId}: ${summary.add} to add, ${summary.change} to change, ${summary.destroy} to destroy (${seconds} s)`);
    for (const [type, count] of Object.entries(summary.addedByType).sort(([a], [b]) => a.localeCompare(b))) {
      console.log(`  + ${String(count).padStart(3)} ${type}`);
    }
  }
}

await main();
