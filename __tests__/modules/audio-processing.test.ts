import { beforeAll, describe, expect, it } from "vitest";
import { AudioProcessing, type AudioProcessingProps } from "../../modules/audio-processing";
import { WebSocketApi } from "../../modules/websocket";
import { processingRulePattern, validationRulePattern } from "../../functions/shared/audio-events";
import {
  allowing,
  deref,
  functionStatements,
  onlyResource,
  policyStatements,
  resourceRef,
  resourcesOfType,
  resourceWhere,
  sorted,
  synthScopeJson,
  type NamedBlock,
  type TerraformJson,
} from "./terraform-json";

const DATA_KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1111aaaa-2222-bbbb-3333-cccc4444dddd";

type Props = Omit<AudioProcessingProps, "websocket">;
const baseProps: Props = { namePrefix: "voice", kmsKeyArn: DATA_KEY_ARN };

function synthAudio(props: Partial<Props> = {}): TerraformJson {
  return synthScopeJson((scope) => {
    const websocket = new WebSocketApi(scope, "ws", { name: "voice", connectionsTable: { globalSecondaryIndexes: [{ name: "channel-index", hashKey: "channel" }] } });
    new AudioProcessing(scope, "audio", { ...baseProps, ...props, websocket });
  });
}

// One synthesis with defaults serves the tests that only read it.
let json: TerraformJson;
beforeAll(() => {
  json = synthAudio();
});

function audioKey(): NamedBlock {
  return resourceWhere(json, "aws_kms_key", "description", "Encrypts the voice chunks of voice");
}

function bucket(): NamedBlock {
  return onlyResource(json, "aws_s3_bucket");
}

function bucketRef(attribute: string): string {
  return resourceRef("aws_s3_bucket", bucket().name, attribute);
}

function rule(ruleName: string): NamedBlock {
  return resourceWhere(json, "aws_cloudwatch_event_rule", "name", ruleName);
}

function deadLetterQueue(): NamedBlock {
  return resourceWhere(json, "aws_sqs_queue", "name", "voice-events-dlq");
}

const pipeline = [
  { rule: "voice-audio-processing", pattern: processingRulePattern, fn: "voice-process-audio" },
  { rule: "voice-audio-validation", pattern: validationRulePattern, fn: "voice-validate-audio" },
];

describe("AudioProcessing audio key", () => {
  it("does rotate the audio key and give it an explicit key policy when synthesized", () => {
    // prepare
    const key = audioKey();

    // act
    const policy = resourceWhere(json, "aws_kms_key_policy", "key_id", resourceRef("aws_kms_key", key.name, "key_id"));

    // assess
    expect(key.body.enable_key_rotation).toBe(true);
    expect(policyStatements(json, policy.body.policy).length).toBeGreaterThan(0);
  });
});

describe("AudioProcessing bucket", () => {
  it("does encrypt with SSE-KMS under the audio key and a bucket key when synthesized", () => {
    // prepare / act
    const encryption = onlyResource(json, "aws_s3_bucket_server_side_encryption_configuration").body;

    // assess
    expect(encryption.bucket).toBe(bucketRef("id"));
    expect(encryption.rule).toEqual([
      {
        apply_server_side_encryption_by_default: {
          sse_algorithm: "aws:kms",
          kms_master_key_id: resourceRef("aws_kms_key", audioKey().name, "arn"),
        },
        bucket_key_enabled: true,
      },
    ]);
  });

  it("does enable versioning when synthesized", () => {
    // prepare / act
    const versioning = onlyResource(json, "aws_s3_bucket_versioning").body;

    // assess
    expect(versioning).toEqual({ bucket: bucketRef("id"), versioning_configuration: { status: "Enabled" } });
  });

  it("does block every kind of public access and enforce bucket-owner ownership when synthesized", () => {
    // prepare / act
    const block = onlyResource(json, "aws_s3_bucket_public_access_block").body;
    const ownership = onlyResource(json, "aws_s3_bucket_ownership_controls").body;

    // assess
    expect(block).toEqual({
      bucket: bucketRef("id"),
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(ownership).toEqual({ bucket: bucketRef("id"), rule: { object_ownership: "BucketOwnerEnforced" } });
  });

  it("does deny every request without TLS on the bucket and its objects when synthesized", () => {
    // prepare
    const policy = onlyResource(json, "aws_s3_bucket_policy").body;

    // act
    const statements = policyStatements(json, policy.policy);

    // assess
    expect(policy.bucket).toBe(bucketRef("id"));
    expect(statements).toEqual([
      expect.objectContaining({
        effect: "Deny",
        actions: ["*"],
        principals: [{ type: "*", identifiers: ["*"] }],
        resources: [bucketRef("arn"), `${bucketRef("arn")}/*`],
        condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
      }),
    ]);
  });

  it("does abort incomplete uploads and expire audio after 30 days when retention is not set", () => {
    // prepare / act
    const lifecycle = onlyResource(json, "aws_s3_bucket_lifecycle_configuration").body;

    // assess
    expect(lifecycle.bucket).toBe(bucketRef("id"));
    const abort = lifecycle.rule.find((r: { abort_incomplete_multipart_upload?: unknown }) => r.abort_incomplete_multipart_upload);
    expect(abort).toMatchObject({ status: "Enabled", abort_incomplete_multipart_upload: [{ days_after_initiation: 1 }] });
    const expire = lifecycle.rule.find((r: { expiration?: unknown }) => r.expiration);
    expect(expire).toMatchObject({ status: "Enabled", filter: [{ prefix: "audio/" }], expiration: [{ days: 30 }] });
  });

  it("does expire audio after the configured days when audioRetentionInDays is set", () => {
    // prepare / act
    const custom = synthAudio({ audioRetentionInDays: 7 });

    // assess
    const lifecycle = onlyResource(custom, "aws_s3_bucket_lifecycle_configuration").body;
    const expire = lifecycle.rule.find((r: { expiration?: unknown }) => r.expiration);
    expect(expire.expiration).toEqual([{ days: 7 }]);
  });
});

describe("AudioProcessing event routing", () => {
  it("does put both rules on its own custom bus when synthesized", () => {
    // prepare
    const bus = onlyResource(json, "aws_cloudwatch_event_bus");

    // act
    const rules = resourcesOfType(json, "aws_cloudwatch_event_rule");

    // assess
    expect(bus.body.name).toBe("voice-events");
    expect(rules).toHaveLength(2);
    for (const { body } of rules) {
      expect(body.event_bus_name).toBe(resourceRef("aws_cloudwatch_event_bus", bus.name, "name"));
    }
  });

  it.each(pipeline)("does give rule $rule the pattern the functions are written against when synthesized", ({ rule: ruleName, pattern }) => {
    // prepare / act
    const eventPattern = rule(ruleName).body.event_pattern;

    // assess
    expect(JSON.parse(eventPattern)).toEqual(pattern);
  });

  it.each(pipeline)("does target $fn from rule $rule with retries and the dead-letter queue when synthesized", ({ rule: ruleName, fn }) => {
    // prepare
    const ruleBlock = rule(ruleName);
    const fnBlock = resourceWhere(json, "aws_lambda_function", "function_name", fn);

    // act
    const target = resourceWhere(
      json,
      "aws_cloudwatch_event_target",
      "rule",
      resourceRef("aws_cloudwatch_event_rule", ruleBlock.name, "name"),
    ).body;

    // assess
    expect(target.arn).toBe(resourceRef("aws_lambda_function", fnBlock.name, "arn"));
    expect(target.event_bus_name).toBe(ruleBlock.body.event_bus_name);
    expect(target.retry_policy).toEqual({ maximum_retry_attempts: 2, maximum_event_age_in_seconds: 60 });
    expect(target.dead_letter_config).toEqual({ arn: resourceRef("aws_sqs_queue", deadLetterQueue().name, "arn") });
  });

  it.each(pipeline)("does let only rule $rule invoke $fn through EventBridge when synthesized", ({ rule: ruleName, fn }) => {
    // prepare
    const ruleArn = resourceRef("aws_cloudwatch_event_rule", rule(ruleName).name, "arn");

    // act
    const fnArn = resourceRef("aws_lambda_function", resourceWhere(json, "aws_lambda_function", "function_name", fn).name, "arn");
    const permissions = resourcesOfType(json, "aws_lambda_permission").filter((p) => p.body.function_name === fnArn);

    // assess
    expect(permissions).toHaveLength(1);
    expect(permissions[0]!.body).toMatchObject({
      action: "lambda:InvokeFunction",
      principal: "events.amazonaws.com",
      source_arn: ruleArn,
    });
  });

  it("does use the given retry policy on every target when targetRetryPolicy is set", () => {
    // prepare / act
    const custom = synthAudio({ targetRetryPolicy: { maximumRetryAttempts: 5, maximumEventAgeInSeconds: 120 } });

    // assess
    const targets = resourcesOfType(custom, "aws_cloudwatch_event_target");
    expect(targets).toHaveLength(2);
    for (const { body } of targets) {
      expect(body.retry_policy).toEqual({ maximum_retry_attempts: 5, maximum_event_age_in_seconds: 120 });
    }
  });

  it("does encrypt the dead-letter queue with the given KMS key when synthesized", () => {
    // prepare / act
    const queue = deadLetterQueue().body;

    // assess
    expect(queue.kms_master_key_id).toBe(DATA_KEY_ARN);
  });

  it("does let EventBridge send to the dead-letter queue only for the two rules when synthesized", () => {
    // prepare
    const queue = deadLetterQueue();
    const queuePolicy = resourceWhere(json, "aws_sqs_queue_policy", "queue_url", resourceRef("aws_sqs_queue", queue.name, "url")).body;

    // act
    const statements = policyStatements(json, queuePolicy.policy);

    // assess
    expect(queuePolicy.queue_url).toBe(resourceRef("aws_sqs_queue", queue.name, "url"));
    const allows = statements.filter((statement) => (statement.effect ?? "Allow") === "Allow");
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({
      actions: ["sqs:SendMessage"],
      resources: [resourceRef("aws_sqs_queue", queue.name, "arn")],
      principals: [{ type: "Service", identifiers: ["events.amazonaws.com"] }],
    });
    const ruleArns = pipeline.map(({ rule: ruleName }) => resourceRef("aws_cloudwatch_event_rule", rule(ruleName).name, "arn"));
    expect(allows[0]!.condition).toEqual([
      { test: "ArnEquals", variable: "aws:SourceArn", values: expect.arrayContaining(ruleArns) },
    ]);
    expect(allows[0]!.condition![0]!.values).toHaveLength(2);
  });
});

describe("AudioProcessing functions", () => {
  it.each(pipeline)("does give $fn an event invoke config with an on-failure queue when synthesized", ({ fn }) => {
    // prepare
    const fnBlock = resourceWhere(json, "aws_lambda_function", "function_name", fn);

    // act
    const config = resourceWhere(
      json,
      "aws_lambda_function_event_invoke_config",
      "function_name",
      resourceRef("aws_lambda_function", fnBlock.name, "function_name"),
    ).body;

    // assess
    expect(config.maximum_retry_attempts).toBeLessThanOrEqual(2);
    const queue = deref(json, config.destination_config.on_failure.destination).body;
    expect(queue.kms_master_key_id).toBe(DATA_KEY_ARN);
  });

  it("does let process-audio write and validate-audio read only under audio/ when synthesized", () => {
    // prepare
    const objects = `${bucketRef("arn")}/audio/*`;
    const keyArn = resourceRef("aws_kms_key", audioKey().name, "arn");

    // act
    const processStatements = functionStatements(json, "voice-process-audio");
    const validateStatements = functionStatements(json, "voice-validate-audio");

    // assess
    expect(allowing(processStatements, "s3:")).toEqual([{ actions: ["s3:PutObject"], resources: [objects] }]);
    expect(allowing(validateStatements, "s3:")).toEqual([{ actions: ["s3:GetObject"], resources: [objects] }]);
    expect(allowing(processStatements, "kms:").filter((s) => s.resources?.includes(keyArn))).toEqual([
      { actions: ["kms:GenerateDataKey"], resources: [keyArn] },
    ]);
    expect(allowing(validateStatements, "kms:").filter((s) => s.resources?.includes(keyArn))).toEqual([
      { actions: ["kms:Decrypt"], resources: [keyArn] },
    ]);
  });

  it("does let only process-audio publish to the bus when synthesized", () => {
    // prepare
    const busArn = resourceRef("aws_cloudwatch_event_bus", onlyResource(json, "aws_cloudwatch_event_bus").name, "arn");

    // act
    const processEvents = allowing(functionStatements(json, "voice-process-audio"), "events:");
    const validateEvents = allowing(functionStatements(json, "voice-validate-audio"), "events:");

    // assess
    expect(processEvents).toEqual([{ actions: ["events:PutEvents"], resources: [busArn] }]);
    expect(validateEvents).toEqual([]);
  });

  it("does bind the connections and chunks tables to validate-audio with item actions only when synthesized", () => {
    // prepare / act
    const dynamodb = allowing(functionStatements(json, "voice-validate-audio"), "dynamodb:");

    // assess
    expect(dynamodb).toHaveLength(2);
    for (const statement of dynamodb) {
      expect(statement.actions!.every((action) => !action.includes("*") && action !== "dynamodb:Scan")).toBe(true);
      const [table, indexes] = statement.resources!;
      expect(table).toMatch(/^\$\{aws_dynamodb_table\.[^.]+\.arn\}$/);
      expect(indexes).toBe(`${table}/index/*`);
    }
    expect(sorted(dynamodb.map((statement) => deref(json, statement.resources![0]).body.name))).toEqual([
      "voice-audio-chunks",
      "voice-connections",
    ]);
  });
});

describe("AudioProcessing validation", () => {
  it.each([
    ["audio retention of 0 days", { audioRetentionInDays: 0 }, "got 0"],
    ["max audio bytes over 90000", { audioLimits: { maxAudioBytes: 90_001 } }, "got 90001"],
    ["max audio bytes of 1", { audioLimits: { maxAudioBytes: 1 } }, "got 1"],
    ["a sample rate of 4000 Hz", { audioLimits: { sampleRateHz: 4_000 } }, "got 4000"],
    ["a max duration of 10 ms", { audioLimits: { maxDurationMs: 10 } }, "got 10"],
    ["a target event age of 30 s", { targetRetryPolicy: { maximumEventAgeInSeconds: 30 } }, '"maximumEventAgeInSeconds":30'],
    ["200 target retries", { targetRetryPolicy: { maximumRetryAttempts: 200 } }, '"maximumRetryAttempts":200'],
  ] as const)("does throw naming the value when given %s", (_what, props, message) => {
    // prepare / act
    const act = () => synthAudio(props as Partial<Props>);

    // assess
    expect(act).toThrow(message);
  });
});

describe("AudioProcessing and its WebSocket API", () => {
  it("does refuse a connections table without an index on channel, naming the indexes it has", () => {
    // act
    const building = () =>
      synthScopeJson((scope) => {
        const websocket = new WebSocketApi(scope, "ws", { name: "voice", connectionsTable: { globalSecondaryIndexes: [{ name: "user-index", hashKey: "userId" }] } });
        new AudioProcessing(scope, "audio", { ...baseProps, websocket });
      });
    // assess
    expect(building).toThrow("AudioProcessing audio needs the connections table to have an index on channel; it has user-index (userId)");
  });
});
