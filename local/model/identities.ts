import { createHash } from "node:crypto";
import type { ComputedAttributes } from "../services/service";

/** Where the local runtime is: AWS-shaped identities are made from these. */
export interface LocalSettings {
  region: string;
  account: string;
  /** The stack whose resources these are: every id the runtime makes up is qualified by it, so stacks never collide. */
  stackId?: string;
  /** Base URL of each resource the runtime serves on its own port (a WebSocket API), by address; filled when ports are known. */
  localUrls?: Record<string, string>;
}

/** A short stable token derived from a resource's address, so identities are the same on every run. */
export function stableId(address: string, length: number, alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"): string {
  let out = "";
  for (let block = 0; out.length < length; block++) {
    const digest = createHash("sha256").update(`${block}:${address}`).digest();
    for (const byte of digest) {
      if (out.length === length) break;
      out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

/** A resource's address qualified by its stack: cdktf addresses do not contain the stack id, so two stacks share them. */
export function qualifiedAddress(settings: Pick<LocalSettings, "stackId">, address: string): string {
  return settings.stackId ? `${settings.stackId}/${address}` : address;
}

const arn = (settings: LocalSettings, service: string, resource: string) =>
  `arn:aws:${service}:${settings.region}:${settings.account}:${resource}`;

/**
 * Attributes AWS computes at apply time for types that no service emulates but that emulated resources reference
 * (a key's ARN in a table's encryption, a role's ARN in a function). Each service computes its own types' attributes
 * (`LocalService.computedAttributes`); attributes that come from the configuration itself are read from it.
 */
export const REFERENCED_ATTRIBUTES: Record<string, ComputedAttributes> = {
  aws_kms_key: (address, _, s) => {
    const keyId = `${stableId(qualifiedAddress(s, address), 8, "0123456789abcdef")}-0000-4000-8000-${stableId(qualifiedAddress(s, address) + "#", 12, "0123456789abcdef")}`;
    return { id: keyId, key_id: keyId, arn: arn(s, "kms", `key/${keyId}`) };
  },
  aws_kms_alias: (_, config, s) => ({ id: config("name"), arn: arn(s, "kms", String(config("name"))) }),
  aws_sqs_queue: (_, config, s) => ({
    id: `https://sqs.${s.region}.amazonaws.com/${s.account}/${config("name")}`,
    url: `https://sqs.${s.region}.amazonaws.com/${s.account}/${config("name")}`,
    arn: arn(s, "sqs", String(config("name"))),
  }),
  aws_iam_role: (_, config, s) => ({ id: config("name"), arn: `arn:aws:iam::${s.account}:role/${config("name")}` }),
  aws_cloudwatch_log_group: (_, config, s) => ({ id: config("name"), arn: arn(s, "logs", `log-group:${config("name")}`) }),
  archive_file: (_, config) => ({ output_base64sha256: "", output_path: config("output_path") }),
};
