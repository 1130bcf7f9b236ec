import { existsSync } from "node:fs";
import { posix, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Testing } from "cdktf";
import { GameVoiceStack, type GameVoiceConfig } from "../../stacks/game-voice-stack";
import { AudioStatus } from "../../functions/shared/audio-events";
import { pendingDetailSchema, storedDetailSchema, type PendingDetail, type StoredDetail } from "../../functions/shared/audio-event-schemas";
import { audioObjectKey } from "../../functions/shared/audio-key";
import { matchesEventPattern } from "../../local/eventbridge/event-pattern";
import {
  deref,
  parseRef,
  policyStatements,
  resourceRef,
  resourcesOfType,
  resourceWhere,
  synthStackJson,
  walk,
  type NamedBlock,
  type Statement,
  type TerraformJson,
} from "../modules/terraform-json";

const STACK_ID = "game-voice";
/** Where Terraform runs for this stack, relative to the project root (see FUNCTION_BUNDLES_DIR). */
const STACK_WORKING_DIR = posix.join("cdktf.out", "stacks", STACK_ID);

/** Actions AWS offers no resource-level permissions for, so `*` is their only possible resource. */
const UNSCOPABLE_ACTIONS = new Set(["xray:PutTraceSegments", "xray:PutTelemetryRecords"]);
/** Services whose grants must name this stack's own resources. */
const SCOPED_SERVICES = ["dynamodb:", "s3:", "events:", "sqs:", "kms:", "execute-api:", "logs:"];

function synthGameVoice(config: Partial<GameVoiceConfig> = {}): TerraformJson {
  const stack = new GameVoiceStack(Testing.app(), STACK_ID, { region: "us-east-1", ...config });
  return synthStackJson(stack);
}

let json: TerraformJson;
beforeAll(() => {
  json = synthGameVoice();
});

function functionNamed(functionName: string): NamedBlock {
  return resourceWhere(json, "aws_lambda_function", "function_name", functionName);
}

function references(value: unknown, type: string, name: string): boolean {
  const ref = parseRef(value);
  return ref !== undefined && !ref.data && ref.type === type && ref.name === name;
}

/** Blocks of `type` whose `attribute` is a reference to resource `target` (any attribute of it). */
function referencing(type: string, attribute: string, target: { type: string; name: string }): NamedBlock[] {
  return resourcesOfType(json, type).filter((block) => references(block.body[attribute], target.type, target.name));
}

interface DocumentStatement extends Statement {
  readonly document: string;
}

function allStatements(): DocumentStatement[] {
  return Object.entries(json.data?.aws_iam_policy_document ?? {}).flatMap(([document, body]) =>
    ((body.statement ?? []) as Statement[]).map((statement) => ({ ...statement, document })),
  );
}

/** Policy documents attached as KMS key policies, where the resource `*` means the key itself. */
function keyPolicyDocuments(): Set<string> {
  return new Set(resourcesOfType(json, "aws_kms_key_policy").map((policy) => deref(json, policy.body.policy).name));
}

describe("game-voice security defaults", () => {
  it("does trace every function and log it to a retained log group when synthesized", () => {
    // prepare / act
    const functions = resourcesOfType(json, "aws_lambda_function");

    // assess
    expect(functions).toHaveLength(7);
    for (const { name, body } of functions) {
      expect(body.tracing_config, name).toEqual({ mode: "Active" });
      expect(body.logging_config.log_format, name).toBe("JSON");
      const logGroup = deref(json, body.logging_config.log_group).body;
      expect(logGroup.name, name).toBe(`/aws/lambda/${body.function_name}`);
      expect(logGroup.retention_in_days, name).toBeGreaterThan(0);
    }
  });

  it("does retain and KMS-encrypt every log group when synthesized", () => {
    // prepare / act
    const logGroups = resourcesOfType(json, "aws_cloudwatch_log_group");

    // assess
    expect(logGroups.length).toBeGreaterThanOrEqual(8);
    for (const { name, body } of logGroups) {
      expect(body.retention_in_days, name).toBeGreaterThan(0);
      expect(parseRef(body.kms_key_id)?.type, name).toBe("aws_kms_key");
    }
  });

  it("does enable point-in-time recovery and KMS encryption on every table when synthesized", () => {
    // prepare / act
    const tables = resourcesOfType(json, "aws_dynamodb_table");

    // assess
    expect(tables.length).toBeGreaterThanOrEqual(2);
    for (const { name, body } of tables) {
      expect(body.point_in_time_recovery, name).toEqual({ enabled: true });
      expect(body.server_side_encryption.enabled, name).toBe(true);
      expect(parseRef(body.server_side_encryption.kms_key_arn)?.type, name).toBe("aws_kms_key");
    }
  });

  it("does encrypt every queue when synthesized", () => {
    // prepare / act
    const queues = resourcesOfType(json, "aws_sqs_queue");

    // assess
    expect(queues.length).toBeGreaterThanOrEqual(3);
    for (const { name, body } of queues) {
      const encrypted = body.kms_master_key_id !== undefined || body.sqs_managed_sse_enabled === true;
      expect(encrypted, name).toBe(true);
    }
  });

  it("does rotate every KMS key and give each an explicit key policy when synthesized", () => {
    // prepare / act
    const keys = resourcesOfType(json, "aws_kms_key");

    // assess
    expect(keys).toHaveLength(2);
    for (const { name, body } of keys) {
      expect(body.enable_key_rotation, name).toBe(true);
      const policies = resourcesOfType(json, "aws_kms_key_policy").filter(
        (policy) => policy.body.key_id === resourceRef("aws_kms_key", name, "key_id"),
      );
      expect(policies, name).toHaveLength(1);
      expect(policyStatements(json, policies[0]!.body.policy).length, name).toBeGreaterThan(0);
    }
  });

  it("does block public access, encrypt and require TLS on every bucket when synthesized", () => {
    // prepare / act
    const buckets = resourcesOfType(json, "aws_s3_bucket");

    // assess
    expect(buckets.length).toBeGreaterThanOrEqual(1);
    for (const bucket of buckets) {
      const target = { type: "aws_s3_bucket", name: bucket.name };
      const blocks = referencing("aws_s3_bucket_public_access_block", "bucket", target);
      expect(blocks, bucket.name).toHaveLength(1);
      expect(blocks[0]!.body).toMatchObject({
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
      const encryption = referencing("aws_s3_bucket_server_side_encryption_configuration", "bucket", target);
      expect(encryption, bucket.name).toHaveLength(1);
      expect(encryption[0]!.body.rule[0].apply_server_side_encryption_by_default.sse_algorithm).toBe("aws:kms");
      const policies = referencing("aws_s3_bucket_policy", "bucket", target);
      expect(policies, bucket.name).toHaveLength(1);
      const arn = resourceRef("aws_s3_bucket", bucket.name, "arn");
      const tlsOnly = policyStatements(json, policies[0]!.body.policy).filter(
        (statement) =>
          statement.effect === "Deny" &&
          statement.condition?.some(
            (c) => c.test === "Bool" && c.variable === "aws:SecureTransport" && c.values.includes("false"),
          ) &&
          statement.resources?.includes(arn) &&
          statement.resources?.includes(`${arn}/*`),
      );
      expect(tlsOnly, bucket.name).toHaveLength(1);
    }
  });

  it("does throttle the default route settings of every stage when synthesized", () => {
    // prepare / act
    const stages = resourcesOfType(json, "aws_apigatewayv2_stage");

    // assess
    expect(stages.length).toBeGreaterThanOrEqual(1);
    for (const { name, body } of stages) {
      expect(body.default_route_settings.throttling_rate_limit, name).toBeGreaterThan(0);
      expect(body.default_route_settings.throttling_burst_limit, name).toBeGreaterThan(0);
    }
  });

  it("does give every function that a rule targets an on-failure destination when synthesized", () => {
    // prepare
    const targets = resourcesOfType(json, "aws_cloudwatch_event_target");
    const lambdaTargets = targets.filter((target) => parseRef(target.body.arn)?.type === "aws_lambda_function");

    // act
    const functions = lambdaTargets.map((target) => deref(json, target.body.arn));

    // assess
    expect(lambdaTargets).toHaveLength(targets.length);
    expect(functions.length).toBeGreaterThanOrEqual(2);
    for (const fn of functions) {
      const configs = referencing("aws_lambda_function_event_invoke_config", "function_name", {
        type: "aws_lambda_function",
        name: fn.name,
      });
      expect(configs, fn.name).toHaveLength(1);
      const destination = configs[0]!.body.destination_config.on_failure.destination;
      expect(parseRef(destination)?.type, fn.name).toBe("aws_sqs_queue");
    }
  });
});

describe("game-voice IAM", () => {
  it("does allow * as a resource only in key policies and for unscopable actions when synthesized", () => {
    // prepare
    const keyPolicies = keyPolicyDocuments();

    // act
    const offending = allStatements().filter(
      (statement) =>
        (statement.effect ?? "Allow") === "Allow" &&
        (statement.resources ?? []).includes("*") &&
        !keyPolicies.has(statement.document) &&
        !(statement.actions ?? []).every((action) => UNSCOPABLE_ACTIONS.has(action)),
    );

    // assess
    expect(allStatements().length).toBeGreaterThan(20);
    expect(keyPolicies.size).toBe(2);
    expect(offending).toEqual([]);
  });

  it("does name this stack's resources by reference in every data grant when synthesized", () => {
    // prepare
    const keyPolicies = keyPolicyDocuments();

    // act
    const grants = allStatements().filter(
      (statement) =>
        (statement.effect ?? "Allow") === "Allow" &&
        !keyPolicies.has(statement.document) &&
        (statement.actions ?? []).some((action) => SCOPED_SERVICES.some((service) => action.startsWith(service))),
    );

    // assess
    expect(grants.length).toBeGreaterThan(10);
    for (const grant of grants) {
      expect(grant.resources?.length, grant.document).toBeGreaterThan(0);
      for (const resource of grant.resources!) {
        expect(resource, grant.document).toMatch(/^\$\{[a-z0-9_]+\.[^.}]+\.[a-z_]+\}/);
      }
    }
  });

  it("does grant no wildcard action, NotAction or NotResource outside key policies when synthesized", () => {
    // prepare
    const keyPolicies = keyPolicyDocuments();

    // act
    const allows = allStatements().filter(
      (statement) => (statement.effect ?? "Allow") === "Allow" && !keyPolicies.has(statement.document),
    );

    // assess
    for (const statement of allows) {
      expect(statement.actions?.filter((action) => action.includes("*")), statement.document).toEqual([]);
      expect(statement.not_actions, statement.document).toBeUndefined();
      expect(statement.not_resources, statement.document).toBeUndefined();
    }
  });
});

describe("game-voice routes", () => {
  function route(routeKey: string): NamedBlock {
    return resourceWhere(json, "aws_apigatewayv2_route", "route_key", routeKey);
  }

  /** The function behind a route, through its integration's invoke ARN. */
  function routeHandler(routeKey: string): NamedBlock {
    const integration = deref(json, String(route(routeKey).body.target).replace(/^integrations\//, ""));
    return deref(json, integration.body.integration_uri);
  }

  it("does define the seed's routes when synthesized", () => {
    // prepare / act
    const routeKeys = resourcesOfType(json, "aws_apigatewayv2_route").map((r) => r.body.route_key);

    // assess
    expect([...routeKeys].sort()).toEqual(["$connect", "$default", "$disconnect", "audio", "sendaudio"]);
  });

  it("does require the API key and the Cognito authorizer on $connect when synthesized", () => {
    // prepare
    const authorizer = resourcesOfType(json, "aws_apigatewayv2_authorizer");

    // act
    const connect = route("$connect").body;

    // assess
    expect(authorizer).toHaveLength(1);
    expect(connect.api_key_required).toBe(true);
    expect(connect.authorization_type).toBe("CUSTOM");
    expect(connect.authorizer_id).toBe(resourceRef("aws_apigatewayv2_authorizer", authorizer[0]!.name, "id"));
    expect(deref(json, authorizer[0]!.body.authorizer_uri).body.environment.variables).toHaveProperty("USER_POOL_ID");
  });

  it("does send both audio routes to the message function when synthesized", () => {
    // prepare / act
    const handlers = ["sendaudio", "audio"].map((routeKey) => routeHandler(routeKey).body.function_name);

    // assess
    expect(handlers).toEqual(["game-voice-message", "game-voice-message"]);
  });

  it("does tell the $default handler every action route when synthesized", () => {
    // prepare
    const actionRoutes = resourcesOfType(json, "aws_apigatewayv2_route")
      .map((r) => r.body.route_key as string)
      .filter((routeKey) => !routeKey.startsWith("$"));

    // act
    const routes = String(routeHandler("$default").body.environment.variables.ROUTES).split(",");

    // assess
    expect(routes).toEqual(["sendaudio", "audio"]);
    expect([...routes].sort()).toEqual([...actionRoutes].sort());
  });
});

describe("game-voice paths", () => {
  it("does write no absolute path when synthesized", () => {
    // prepare
    const pathValues: string[] = [];

    // act
    walk(json, (key, value) => {
      if (["source_dir", "output_path", "filename"].includes(key) && typeof value === "string") pathValues.push(value);
    });

    // assess
    expect(pathValues.length).toBeGreaterThanOrEqual(21);
    expect(pathValues.filter((value) => value.startsWith("/"))).toEqual([]);
    expect(JSON.stringify(json)).not.toContain(process.cwd());
  });

  it("does point every archive at a function's bundle when resolved from the stack's working directory", () => {
    // prepare
    const archives = Object.entries(json.data?.archive_file ?? {});
    const root = process.cwd();

    // act
    const bundles = archives.map(([, body]) => posix.relative("dist/functions", posix.join(STACK_WORKING_DIR, body.source_dir)));

    // assess
    expect(archives).toHaveLength(7);
    for (const bundle of bundles) {
      expect(bundle).toMatch(/^[a-z0-9-]+$/);
      expect(existsSync(resolve(root, "functions", bundle, "index.ts")), bundle).toBe(true);
    }
  });
});

describe("game-voice event routing", () => {
  const author = "alice";
  const timestamp = "2025-06-01T12:00:00.000Z";
  const websocketContext = {
    domain_name: "abc123.execute-api.us-east-1.amazonaws.com",
    stage: "live",
    connection_id: "Lk3pHc8dIAMCJ0A=",
  };

  /** The detail the message function publishes (functions/voice-message). */
  const pendingDetail: PendingDetail = {
    status: AudioStatus.Pending,
    chunk_id: `${websocketContext.connection_id}:req-1`,
    channel: "global",
    message: { action: "sendaudio", data: Buffer.from(new Uint8Array(640)).toString("base64"), author },
    websocket_context: websocketContext,
    timestamp,
  };

  /** The detail process-audio publishes once the chunk is stored (functions/process-audio). */
  const storedDetail: StoredDetail = {
    status: AudioStatus.Stored,
    chunk_id: pendingDetail.chunk_id,
    channel: pendingDetail.channel,
    message: { action: pendingDetail.message.action, author },
    websocket_context: websocketContext,
    timestamp,
    s3_key: audioObjectKey(author, timestamp, pendingDetail.chunk_id),
  };

  /** Every rule's pattern, labelled with the function its target invokes. */
  let rules: { feeds: string; pattern: string }[];
  let source: string;
  let detailType: string;

  beforeAll(() => {
    rules = resourcesOfType(json, "aws_cloudwatch_event_rule").map((rule) => {
      const target = resourcesOfType(json, "aws_cloudwatch_event_target").find(
        (t) => t.body.rule === resourceRef("aws_cloudwatch_event_rule", rule.name, "name"),
      );
      return { feeds: deref(json, target?.body.arn).body.function_name, pattern: rule.body.event_pattern };
    });
    // Publishers take source and detail type from their environment, so the test does too.
    const publisher = functionNamed("game-voice-message").body.environment.variables;
    source = publisher.EVENT_SOURCE;
    detailType = publisher.EVENT_DETAIL_TYPE;
  });

  /** An event as EventBridge delivers it to a rule. */
  function deliveredEvent(detail: unknown, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      version: "0",
      id: "4f1c8a52-59d4-4a7b-9e2d-2f0b6d3c9a11",
      "detail-type": detailType,
      source,
      account: "123456789012",
      time: "2025-06-01T12:00:00Z",
      region: "us-east-1",
      resources: [],
      detail,
      ...overrides,
    };
  }

  /** The functions whose rules match the event. */
  function rulesMatching(event: unknown): string[] {
    return rules.filter((rule) => matchesEventPattern(rule.pattern, event)).map((rule) => rule.feeds);
  }

  it("does accept the test's details when they are parsed with the functions' schemas", () => {
    // prepare / act
    const pending = pendingDetailSchema.safeParse(pendingDetail);
    const stored = storedDetailSchema.safeParse(storedDetail);

    // assess
    expect(pending.success).toBe(true);
    expect(stored.success).toBe(true);
    expect(rules.map((rule) => rule.feeds).sort()).toEqual(["game-voice-process-audio", "game-voice-validate-audio"]);
    expect(source).toBe(functionNamed("game-voice-process-audio").body.environment.variables.EVENT_SOURCE);
    expect(detailType).toBe(functionNamed("game-voice-process-audio").body.environment.variables.EVENT_DETAIL_TYPE);
  });

  it("does route a PENDING event to the processing rule only when the message function publishes it", () => {
    // prepare
    const event = deliveredEvent(pendingDetail);

    // act
    const matched = rulesMatching(event);

    // assess
    expect(matched).toEqual(["game-voice-process-audio"]);
  });

  it("does route a STORED event to the validation rule only when process-audio publishes it", () => {
    // prepare
    const event = deliveredEvent(storedDetail);

    // act
    const matched = rulesMatching(event);

    // assess
    expect(matched).toEqual(["game-voice-validate-audio"]);
  });

  it.each([AudioStatus.Validated, AudioStatus.Failed])("does route no event when its status is %s", (status) => {
    // prepare
    const events = [deliveredEvent({ ...pendingDetail, status }), deliveredEvent({ ...storedDetail, status })];

    // act
    const matched = events.map(rulesMatching);

    // assess
    expect(matched).toEqual([[], []]);
  });

  it.each([
    ["another source", { source: "someone-else" }],
    ["another detail type", { "detail-type": "SomethingElse" }],
  ])("does route no event when it comes from %s", (_what, overrides) => {
    // prepare
    const events = [deliveredEvent(pendingDetail, overrides), deliveredEvent(storedDetail, overrides)];

    // act
    const matched = events.map(rulesMatching);

    // assess
    expect(matched).toEqual([[], []]);
  });

  it.each([
    ["a PENDING event has no audio", () => ({ ...pendingDetail, message: { action: "sendaudio", author } })],
    ["a PENDING event has no author", () => ({ ...pendingDetail, message: { action: "sendaudio", data: pendingDetail.message.data } })],
    ["a PENDING event has no channel", () => ({ ...pendingDetail, channel: undefined })],
    ["a PENDING event has no connection id", () => ({ ...pendingDetail, websocket_context: { ...websocketContext, connection_id: undefined } })],
    ["a STORED event has no s3_key", () => ({ ...storedDetail, s3_key: undefined })],
    ["a STORED event has no chunk id", () => ({ ...storedDetail, chunk_id: undefined })],
  ])("does route no event when %s", (_what, detail) => {
    // prepare
    const event = JSON.parse(JSON.stringify(deliveredEvent(detail()))) as unknown;

    // act
    const matched = rulesMatching(event);

    // assess
    expect(matched).toEqual([]);
  });

  it("does route no event to both rules when details mix PENDING and STORED fields", () => {
    // prepare
    const candidates = [
      pendingDetail,
      storedDetail,
      { ...pendingDetail, s3_key: storedDetail.s3_key },
      { ...storedDetail, message: pendingDetail.message },
      ...Object.values(AudioStatus).map((status) => ({ ...pendingDetail, ...storedDetail, message: pendingDetail.message, status })),
    ].map((detail) => deliveredEvent(detail));

    // act
    const matchCounts = candidates.map((event) => rulesMatching(event).length);

    // assess
    expect(matchCounts.every((count) => count <= 1)).toBe(true);
    expect(matchCounts.filter((count) => count === 1).length).toBeGreaterThanOrEqual(2);
  });
});

describe("game-voice outputs", () => {
  it("does output the connection details players and operators need when synthesized", () => {
    // prepare / act
    const outputs = json.output ?? {};

    // assess
    expect(parseRef(outputs.websocket_url?.value)).toMatchObject({ type: "aws_apigatewayv2_stage", attribute: "invoke_url" });
    expect(outputs.api_key).toMatchObject({ sensitive: true });
    expect(parseRef(outputs.api_key?.value)).toMatchObject({ type: "aws_api_gateway_api_key", attribute: "value" });
    expect(parseRef(outputs.user_pool_id?.value)).toMatchObject({ type: "aws_cognito_user_pool", attribute: "id" });
    expect(parseRef(outputs.user_pool_client_id?.value)).toMatchObject({ type: "aws_cognito_user_pool_client", attribute: "id" });
    expect(parseRef(outputs.audio_bucket_name?.value)).toMatchObject({ type: "aws_s3_bucket", attribute: "bucket" });
    expect(parseRef(outputs.event_bus_name?.value)).toMatchObject({ type: "aws_cloudwatch_event_bus", attribute: "name" });
  });
});

describe("game-voice configuration", () => {
  it.each([
    ["a name prefix with uppercase and underscores", { namePrefix: "Game_Voice" }, '"Game_Voice"'],
    ["a connection TTL under two hours", { connectionTtlSeconds: 3_600 }, "got 3600"],
    ["max audio bytes over 90000", { audioLimits: { maxAudioBytes: 100_000 } }, "got 100000"],
  ] as const)("does throw naming the value when given %s", (_what, config, message) => {
    // prepare / act
    const act = () => new GameVoiceStack(Testing.app(), STACK_ID, { region: "us-east-1", ...(config as Partial<GameVoiceConfig>) });

    // assess
    expect(act).toThrow(message);
  });

  it("does carry the prefix into resource names when a valid prefix is given", () => {
    // prepare / act
    const custom = synthGameVoice({ namePrefix: "arena-voice" });

    // assess
    const names = resourcesOfType(custom, "aws_lambda_function").map((fn) => fn.body.function_name as string);
    expect(names).toHaveLength(7);
    expect(names.every((name) => name.startsWith("arena-voice-"))).toBe(true);
  });
});
