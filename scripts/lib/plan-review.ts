import { posix } from "node:path";

/** What `npm run plan` says when providers can come from neither the registry nor a mirror; the plan tier looks for it. */
export const REGISTRY_UNREACHABLE =
  "the Terraform registry cannot be reached and TF_PROVIDER_MIRROR is not set; point it at a filesystem mirror of the providers (README: Plan review, offline)";

/** The parts of a synthesized `cdk.tf.json` that plan review rewrites. */
export interface TerraformJson {
  terraform?: {
    backend?: Record<string, Record<string, unknown>>;
    required_providers?: Record<string, unknown>;
  };
  provider?: Record<string, Record<string, unknown>[]>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  [block: string]: unknown;
}

export interface ArchiveInput {
  /** Address without `data.`: `archive_file.<name>`. */
  address: string;
  sourceDir: string;
  outputPath: string;
}

/** Credentials and skip flags that let the AWS provider plan without an account. */
export const OFFLINE_PROVIDER_SETTINGS = {
  access_key: "plan-review",
  secret_key: "plan-review",
  skip_credentials_validation: true,
  skip_requesting_account_id: true,
  skip_metadata_api_check: "true",
  skip_region_validation: true,
};

export function archiveInputs(config: TerraformJson): ArchiveInput[] {
  return Object.entries(config.data?.archive_file ?? {}).map(([name, block]) => {
    if (block.type !== "zip" || typeof block.source_dir !== "string" || typeof block.output_path !== "string") {
      throw new Error(`Plan review can only pre-build zips of a source_dir, got archive_file.${name}: ${JSON.stringify(block)}`);
    }
    return { address: `archive_file.${name}`, sourceDir: block.source_dir, outputPath: block.output_path };
  });
}

/** Replaces every reference to the given values with literals, then removes the archive data sources and provider. */
export function replaceArchives(
  config: TerraformJson,
  built: Map<string, { outputPath: string; base64Sha256: string }>,
): TerraformJson {
  const next: TerraformJson = JSON.parse(JSON.stringify(config));
  delete next.data?.archive_file;
  if (next.data && Object.keys(next.data).length === 0) {
    delete next.data;
  }
  delete next.provider?.archive;
  delete next.terraform?.required_providers?.archive;

  const literal = (match: string, address: string, attribute: string): string => {
    const archive = built.get(address);
    if (!archive) {
      throw new Error(`No pre-built zip for data.${address}`);
    }
    if (attribute === "output_path") return archive.outputPath;
    if (attribute === "output_base64sha256") return archive.base64Sha256;
    throw new Error(`Plan review cannot stand in for ${match}`);
  };
  const rewrite = (value: unknown): unknown => {
    if (typeof value === "string") {
      const rewritten = value.replace(
        /^\$\{data\.(archive_file\.[A-Za-z0-9_-]+)\.([a-z0-9_]+)\}$/,
        (match, address: string, attribute: string) => literal(match, address, attribute),
      );
      if (rewritten.includes("data.archive_file.")) {
        throw new Error(`Plan review cannot stand in for the archive reference in "${value}"`);
      }
      return rewritten;
    }
    if (Array.isArray(value)) {
      return value.map(rewrite);
    }
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, rewrite(inner)]));
    }
    return value;
  };
  return rewrite(next) as TerraformJson;
}

/** Gives the AWS provider test credentials and the skip flags, for a plan without an account. */
export function withOfflineProvider(config: TerraformJson): TerraformJson {
  const next: TerraformJson = JSON.parse(JSON.stringify(config));
  const providers = next.provider?.aws;
  if (!providers || providers.length === 0) {
    throw new Error("Stack has no aws provider to configure for an offline plan");
  }
  next.provider!.aws = providers.map((provider) => ({ ...provider, ...OFFLINE_PROVIDER_SETTINGS }));
  return next;
}

/** Points a local backend at the stack's own state, so that a review copy plans against what is deployed. */
export function withStateOf(config: TerraformJson, reviewDir: string, stackDir: string): TerraformJson {
  const local = config.terraform?.backend?.local;
  if (!local || typeof local.path !== "string" || posix.isAbsolute(local.path)) {
    return config;
  }
  const next: TerraformJson = JSON.parse(JSON.stringify(config));
  next.terraform!.backend!.local = { ...local, path: posix.join(posix.relative(reviewDir, stackDir), local.path) };
  return next;
}

export interface PlanSummary {
  add: number;
  change: number;
  destroy: number;
  addedByType: Record<string, number>;
}

/** Counts the actions of `terraform show -json` output. */
export function summarizePlan(plan: { resource_changes?: { type: string; mode?: string; change: { actions: string[] } }[] }): PlanSummary {
  const summary: PlanSummary = { add: 0, change: 0, destroy: 0, addedByType: {} };
  for (const change of plan.resource_changes ?? []) {
    if (change.mode === "data") continue;
    const actions = change.change.actions;
    if (actions.includes("create")) {
      summary.add += 1;
      summary.addedByType[change.type] = (summary.addedByType[change.type] ?? 0) + 1;
    }
    if (actions.includes("update")) summary.change += 1;
    if (actions.includes("delete")) summary.destroy += 1;
  }
  return summary;
}
