/**
 * The checks every stack must pass, whatever it holds: each loops over every resource of a type in the synthesized
 * JSON (a matcher that passes when any one resource matches would hide the one that does not). A stack's own test
 * file pins how many resources of each type it has, so that none of these loops passes over nothing.
 */
import { existsSync } from "node:fs";
import { posix, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { deref, parseRef, policyStatements, resourceRef, resourcesOfType, walk, type NamedBlock, type Statement, type TerraformJson } from "../modules/terraform-json";

/** Actions AWS offers no resource-level permissions for, so `*` is their only possible resource. */
export const UNSCOPABLE_ACTIONS = new Set(["xray:PutTraceSegments", "xray:PutTelemetryRecords"]);
/** Services whose grants must name the stack's own resources. */
export const SCOPED_SERVICES = ["dynamodb:", "s3:", "events:", "sqs:", "kms:", "execute-api:", "logs:", "cognito-idp:", "gamelift:", "secretsmanager:", "bedrock:"];

export interface DocumentStatement extends Statement {
  readonly document: string;
}

export function allStatements(json: TerraformJson): DocumentStatement[] {
  return Object.entries(json.data?.aws_iam_policy_document ?? {}).flatMap(([document, body]) =>
    ((body.statement ?? []) as Statement[]).map((statement) => ({ ...statement, document })),
  );
}

/** Policy documents attached as KMS key policies, where the resource `*` means the key itself. */
export function keyPolicyDocuments(json: TerraformJson): Set<string> {
  return new Set(resourcesOfType(json, "aws_kms_key_policy").map((policy) => deref(json, policy.body.policy).name));
}

/** Blocks of `type` whose `attribute` is a reference to resource `target` (any attribute of it). */
export function referencing(json: TerraformJson, type: string, attribute: string, target: { type: string; name: string }): NamedBlock[] {
  return resourcesOfType(json, type).filter((block) => {
    const ref = parseRef(block.body[attribute]);
    return ref !== undefined && !ref.data && ref.type === target.type && ref.name === target.name;
  });
}

/** Registers the secure-default, IAM and path checks for one synthesized stack. */
export function describeSecureDefaults(stackId: string, synth: () => TerraformJson): void {
  let json: TerraformJson;
  beforeAll(() => {
    json = synth();
  });

  describe(`${stackId} security defaults`, () => {
    it("does trace every function and log it as JSON to a retained log group of its own", () => {
      for (const { name, body } of resourcesOfType(json, "aws_lambda_function")) {
        expect(body.tracing_config, name).toEqual({ mode: "Active" });
        expect(body.logging_config.log_format, name).toBe("JSON");
        const logGroup = deref(json, body.logging_config.log_group).body;
        expect(logGroup.name, name).toBe(`/aws/lambda/${body.function_name}`);
        expect(logGroup.retention_in_days, name).toBeGreaterThan(0);
      }
    });

    it("does retain and KMS-encrypt every log group", () => {
      for (const { name, body } of resourcesOfType(json, "aws_cloudwatch_log_group")) {
        expect(body.retention_in_days, name).toBeGreaterThan(0);
        expect(parseRef(body.kms_key_id)?.type, name).toBe("aws_kms_key");
      }
    });

    it("does enable point-in-time recovery and KMS encryption on every table", () => {
      for (const { name, body } of resourcesOfType(json, "aws_dynamodb_table")) {
        expect(body.point_in_time_recovery, name).toEqual({ enabled: true });
        expect(body.server_side_encryption.enabled, name).toBe(true);
        expect(parseRef(body.server_side_encryption.kms_key_arn)?.type, name).toBe("aws_kms_key");
      }
    });

    it("does encrypt every secret with a customer managed key, and keep no secret value in Terraform", () => {
      for (const { name, body } of resourcesOfType(json, "aws_secretsmanager_secret")) {
        expect(parseRef(body.kms_key_id)?.type, name).toBe("aws_kms_key");
        expect(body.recovery_window_in_days, name).toBeGreaterThanOrEqual(7);
      }
      expect(resourcesOfType(json, "aws_secretsmanager_secret_version")).toEqual([]);
    });

    it("does encrypt every queue", () => {
      for (const { name, body } of resourcesOfType(json, "aws_sqs_queue")) {
        expect(body.kms_master_key_id !== undefined || body.sqs_managed_sse_enabled === true, name).toBe(true);
      }
    });

    it("does rotate every KMS key and give each one explicit key policy", () => {
      for (const { name, body } of resourcesOfType(json, "aws_kms_key")) {
        expect(body.enable_key_rotation, name).toBe(true);
        const policies = resourcesOfType(json, "aws_kms_key_policy").filter((policy) => policy.body.key_id === resourceRef("aws_kms_key", name, "key_id"));
        expect(policies, name).toHaveLength(1);
        expect(policyStatements(json, policies[0]!.body.policy).length, name).toBeGreaterThan(0);
      }
    });

    it("does block public access, encrypt with KMS and require TLS on every bucket", () => {
      for (const bucket of resourcesOfType(json, "aws_s3_bucket")) {
        const target = { type: "aws_s3_bucket", name: bucket.name };
        const blocks = referencing(json, "aws_s3_bucket_public_access_block", "bucket", target);
        expect(blocks, bucket.name).toHaveLength(1);
        expect(blocks[0]!.body).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
        const encryption = referencing(json, "aws_s3_bucket_server_side_encryption_configuration", "bucket", target);
        expect(encryption, bucket.name).toHaveLength(1);
        expect(encryption[0]!.body.rule[0].apply_server_side_encryption_by_default.sse_algorithm).toBe("aws:kms");
        const policies = referencing(json, "aws_s3_bucket_policy", "bucket", target);
        expect(policies, bucket.name).toHaveLength(1);
        const arn = resourceRef("aws_s3_bucket", bucket.name, "arn");
        const tlsOnly = policyStatements(json, policies[0]!.body.policy).filter(
          (statement) =>
            statement.effect === "Deny" &&
            statement.condition?.some((c) => c.test === "Bool" && c.variable === "aws:SecureTransport" && c.values.includes("false")) &&
            statement.resources?.includes(arn) &&
            statement.resources?.includes(`${arn}/*`),
        );
        expect(tlsOnly, bucket.name).toHaveLength(1);
      }
    });

    it("does protect every user pool from deletion and require strong passwords and optional TOTP", () => {
      for (const pool of resourcesOfType(json, "aws_cognito_user_pool")) {
        expect(pool.body, pool.name).toMatchObject({
          deletion_protection: "ACTIVE",
          mfa_configuration: "OPTIONAL",
          software_token_mfa_configuration: { enabled: true },
          password_policy: { require_lowercase: true, require_uppercase: true, require_numbers: true, require_symbols: true },
        });
        expect(pool.body.password_policy.minimum_length, pool.name).toBeGreaterThanOrEqual(12);
      }
    });

    it("does give every user pool client no secret, SRP only, revocable tokens and no user-existence errors", () => {
      for (const client of resourcesOfType(json, "aws_cognito_user_pool_client")) {
        expect(client.body, client.name).toMatchObject({
          generate_secret: false,
          explicit_auth_flows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
          prevent_user_existence_errors: "ENABLED",
          enable_token_revocation: true,
        });
      }
    });

    it("does throttle the default route settings of every stage", () => {
      for (const { name, body } of resourcesOfType(json, "aws_apigatewayv2_stage")) {
        expect(body.default_route_settings.throttling_rate_limit, name).toBeGreaterThan(0);
        expect(body.default_route_settings.throttling_burst_limit, name).toBeGreaterThan(0);
      }
    });

    it("does give every function that a rule targets an on-failure destination", () => {
      const targets = resourcesOfType(json, "aws_cloudwatch_event_target").filter((target) => parseRef(target.body.arn)?.type === "aws_lambda_function");
      for (const target of targets) {
        const fn = deref(json, target.body.arn);
        const configs = referencing(json, "aws_lambda_function_event_invoke_config", "function_name", { type: "aws_lambda_function", name: fn.name });
        expect(configs, fn.name).toHaveLength(1);
        expect(parseRef(configs[0]!.body.destination_config.on_failure.destination)?.type, fn.name).toBe("aws_sqs_queue");
      }
    });
  });

  describe(`${stackId} IAM`, () => {
    it("does allow * as a resource only in key policies and for unscopable actions", () => {
      const keyPolicies = keyPolicyDocuments(json);
      const offending = allStatements(json).filter(
        (statement) =>
          (statement.effect ?? "Allow") === "Allow" &&
          (statement.resources ?? []).includes("*") &&
          !keyPolicies.has(statement.document) &&
          !(statement.actions ?? []).every((action) => UNSCOPABLE_ACTIONS.has(action)),
      );
      expect(offending).toEqual([]);
    });

    it("does name the stack's own resources by reference in every data grant", () => {
      const keyPolicies = keyPolicyDocuments(json);
      const grants = allStatements(json).filter(
        (statement) =>
          (statement.effect ?? "Allow") === "Allow" &&
          !keyPolicies.has(statement.document) &&
          (statement.actions ?? []).some((action) => SCOPED_SERVICES.some((service) => action.startsWith(service))),
      );
      for (const grant of grants) {
        expect(grant.resources?.length, grant.document).toBeGreaterThan(0);
        for (const resource of grant.resources!) expect(resource, grant.document).toMatch(/^\$\{[a-z0-9_]+\.[^.}]+\.[a-z_]+\}/);
      }
    });

    it("does grant no wildcard action, NotAction or NotResource outside key policies", () => {
      const keyPolicies = keyPolicyDocuments(json);
      for (const statement of allStatements(json).filter((candidate) => (candidate.effect ?? "Allow") === "Allow" && !keyPolicies.has(candidate.document))) {
        expect(statement.actions?.filter((action) => action.includes("*")), statement.document).toEqual([]);
        expect(statement.not_actions, statement.document).toBeUndefined();
        expect(statement.not_resources, statement.document).toBeUndefined();
      }
    });
  });

  describe(`${stackId} table bindings`, () => {
    it("does hand every function bound to a table that table's TTL attribute and indexes with its name", () => {
      for (const fn of resourcesOfType(json, "aws_lambda_function")) {
        const variables: Record<string, string> = fn.body.environment?.variables ?? {};
        for (const [variable, value] of Object.entries(variables)) {
          const ref = parseRef(value);
          if (ref?.type !== "aws_dynamodb_table" || ref.attribute !== "name") continue;
          const table = deref(json, value).body;
          const ttl = table.ttl?.enabled ? table.ttl.attribute_name : undefined;
          expect(variables[`${variable}_TTL_ATTRIBUTE`], `${fn.name} ${variable}`).toBe(ttl);
          const indexes = ((table.global_secondary_index ?? []) as Record<string, string>[]).map((index) => [index.name, index.hash_key, ...(index.range_key ? [index.range_key] : [])].join(":"));
          expect(variables[`${variable}_INDEXES`]?.split(",") ?? [], `${fn.name} ${variable}`).toEqual(indexes);
        }
      }
    });
  });

  describe(`${stackId} paths`, () => {
    it("does write no absolute path of the synthesizing machine", () => {
      const pathValues: string[] = [];
      walk(json, (key, value) => {
        if (["source_dir", "output_path", "filename"].includes(key) && typeof value === "string") pathValues.push(value);
      });
      expect(pathValues.filter((value) => value.startsWith("/"))).toEqual([]);
      expect(JSON.stringify(json)).not.toContain(process.cwd());
    });

    it("does point every archive at a function's bundle when resolved from the stack's working directory", () => {
      const workingDir = posix.join("cdktf.out", "stacks", stackId);
      for (const [, body] of Object.entries(json.data?.archive_file ?? {})) {
        const bundle = posix.relative("dist/functions", posix.join(workingDir, body.source_dir));
        expect(bundle).toMatch(/^[a-z0-9-]+$/);
        expect(existsSync(resolve(process.cwd(), "functions", bundle, "index.ts")), bundle).toBe(true);
      }
    });
  });
}
