import { createHash } from "node:crypto";
import type { Value } from "./expression";

/** Where the local runtime is: AWS-shaped identities are made from these. */
export interface LocalSettings {
  region: string;
  account: string;
  /** The stack whose resources these are: every id the runtime makes up is qualified by it, so stacks never collide. */
  stackId?: string;
  /** Base URL of each WebSocket API's own server, by the API's Terraform address; filled when ports are known. */
  webSocketUrls?: Record<string, string>;
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

type Attributes = Record<string, Value>;
type IdentityFn = (
  address: string,
  config: (attribute: string) => Value,
  settings: LocalSettings,
  raw: Record<string, unknown>,
) => Attributes;

const arn = (settings: LocalSettings, service: string, resource: string) =>
  `arn:aws:${service}:${settings.region}:${settings.account}:${resource}`;

/**
 * Attributes AWS computes at apply time, made up locally for the resource types the runtime needs.
 * Attributes that come from the configuration itself are read from it and are not listed here.
 */
export const COMPUTED_ATTRIBUTES: Record<string, IdentityFn> = {
  aws_dynamodb_table: (_, config, s) => ({ id: config("name"), arn: arn(s, "dynamodb", `table/${config("name")}`) }),
  aws_s3_bucket: (address, config, s) => {
    const explicit = config("bucket");
    const name = typeof explicit === "string" ? explicit : `${String(config("bucket_prefix") ?? "bucket-")}${stableId(qualifiedAddress(s, address), 12)}`;
    return { id: name, bucket: name, arn: `arn:aws:s3:::${name}` };
  },
  aws_kms_key: (address, _, s) => {
    const keyId = `${stableId(qualifiedAddress(s, address), 8, "0123456789abcdef")}-0000-4000-8000-${stableId(qualifiedAddress(s, address) + "#", 12, "0123456789abcdef")}`;
    return { id: keyId, key_id: keyId, arn: arn(s, "kms", `key/${keyId}`) };
  },
  aws_kms_alias: (_, config, s) => ({ id: config("name"), arn: arn(s, "kms", String(config("name"))) }),
  aws_cloudwatch_event_bus: (_, config, s) => ({ id: config("name"), arn: arn(s, "events", `event-bus/${config("name")}`) }),
  aws_cloudwatch_event_rule: (_, config, s) => {
    const bus = config("event_bus_name");
    const path = bus && bus !== "default" ? `rule/${bus}/${config("name")}` : `rule/${config("name")}`;
    return { id: `${bus ?? "default"}|${config("name")}`, arn: arn(s, "events", path) };
  },
  aws_sqs_queue: (_, config, s) => ({
    id: `https://sqs.${s.region}.amazonaws.com/${s.account}/${config("name")}`,
    url: `https://sqs.${s.region}.amazonaws.com/${s.account}/${config("name")}`,
    arn: arn(s, "sqs", String(config("name"))),
  }),
  aws_cognito_user_pool: (address, _, s) => {
    const id = `${s.region}_${stableId(qualifiedAddress(s, address), 9, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")}`;
    return { id, arn: arn(s, "cognito-idp", `userpool/${id}`), endpoint: `cognito-idp.${s.region}.amazonaws.com/${id}` };
  },
  aws_cognito_user_pool_client: (address, _, s) => ({ id: stableId(qualifiedAddress(s, address), 26) }),
  aws_apigatewayv2_api: (address, _, s) => {
    const id = stableId(qualifiedAddress(s, address), 10);
    return {
      id,
      api_endpoint: s.webSocketUrls?.[address] ?? `wss://${id}.execute-api.${s.region}.amazonaws.com`,
      execution_arn: arn(s, "execute-api", id),
    };
  },
  aws_apigatewayv2_stage: (address, config, s, raw) => {
    const api = String(config("api_id"));
    const apiAddress = /^\$\{(aws_apigatewayv2_api\.[A-Za-z0-9_-]+)\.id\}$/.exec(String(raw.api_id))?.[1];
    const base = (apiAddress && s.webSocketUrls?.[apiAddress]) ?? `wss://${api}.execute-api.${s.region}.amazonaws.com`;
    const stage = String(config("name"));
    return { id: stage, invoke_url: `${base}/${stage}`, execution_arn: arn(s, "execute-api", `${api}/${stage}`), arn: address };
  },
  aws_apigatewayv2_integration: (address, _, s) => ({ id: stableId(qualifiedAddress(s, address), 7) }),
  aws_apigatewayv2_route: (address, _, s) => ({ id: stableId(qualifiedAddress(s, address), 7) }),
  aws_apigatewayv2_authorizer: (address, _, s) => ({ id: stableId(qualifiedAddress(s, address), 6) }),
  aws_apigatewayv2_deployment: (address, _, s) => ({ id: stableId(qualifiedAddress(s, address), 6) }),
  aws_api_gateway_api_key: (address, _, s) => ({ id: stableId(qualifiedAddress(s, address), 10), value: stableId(`${qualifiedAddress(s, address)}#value`, 40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") }),
  aws_api_gateway_usage_plan: (address, _, s) => ({ id: stableId(qualifiedAddress(s, address), 6) }),
  aws_lambda_function: (_, config, s) => {
    const functionArn = arn(s, "lambda", `function:${config("function_name")}`);
    return {
      id: config("function_name"),
      arn: functionArn,
      invoke_arn: `arn:aws:apigateway:${s.region}:lambda:path/2015-03-31/functions/${functionArn}/invocations`,
    };
  },
  aws_iam_role: (_, config, s) => ({ id: config("name"), arn: `arn:aws:iam::${s.account}:role/${config("name")}` }),
  aws_cloudwatch_log_group: (_, config, s) => ({ id: config("name"), arn: arn(s, "logs", `log-group:${config("name")}`) }),
  archive_file: (_, config) => ({ output_base64sha256: "", output_path: config("output_path") }),
};
