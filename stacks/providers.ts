import { Construct } from "constructs";
import { LocalBackend } from "cdktf";
import { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";

export interface ProviderSettings {
  /** AWS region of every resource of the stack. */
  readonly region: string;
  /** Tags on every taggable resource. */
  readonly tags: Record<string, string>;
}

/** The providers and backend every stack uses. State stays beside the stack's Terraform, by a relative path. */
export function configureProviders(stack: Construct, stackId: string, settings: ProviderSettings): void {
  new LocalBackend(stack, { path: `terraform.${stackId}.tfstate` });
  new AwsProvider(stack, "aws", { region: settings.region, defaultTags: [{ tags: settings.tags }] });
  new ArchiveProvider(stack, "archive");
}

/** Region from the environment that `cdktf synth` runs in, as the AWS CLI would pick it; undefined leaves each stack its default. */
export function regionFromEnvironment(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
}
