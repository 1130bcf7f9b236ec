import { describe, expect, it } from "vitest";
import { NodeFunction, type NodeFunctionProps } from "../../modules/lambda-function";
import {
  allowing,
  dataRef,
  deref,
  functionStatements,
  onlyResource,
  policyStatements,
  resourceRef,
  resourcesOfType,
  sorted,
  synthScopeJson,
  type TerraformJson,
} from "./terraform-json";

const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1111aaaa-2222-bbbb-3333-cccc4444dddd";
const TABLE = { tableName: "players", tableArn: "arn:aws:dynamodb:us-east-1:123456789012:table/players" };
const BUS = { busName: "voice-events", busArn: "arn:aws:events:us-east-1:123456789012:event-bus/voice-events" };
const BUCKET = { bucketName: "voice-audio", bucketArn: "arn:aws:s3:::voice-audio", kmsKeyArn: KEY_ARN };

const baseProps: NodeFunctionProps = { functionName: "voice-message", bundle: "voice-message" };

/** Synthesizes one function with `props`, then lets `after` call its methods. */
function synthFunction(props: Partial<NodeFunctionProps> = {}, after?: (fn: NodeFunction) => void): TerraformJson {
  return synthScopeJson((scope) => {
    const fn = new NodeFunction(scope, "fn", { ...baseProps, ...props });
    after?.(fn);
  });
}

function constructFunction(props: Partial<NodeFunctionProps>, after?: (fn: NodeFunction) => void): () => void {
  return () => synthFunction(props, after);
}

describe("NodeFunction packaging", () => {
  it("does zip the bundle folder to a relative output path when synthesized", () => {
    // prepare / act
    const json = synthFunction({ bundle: "process-audio", functionName: "voice-process" });

    // assess
    const archive = json.data?.archive_file;
    expect(Object.keys(archive ?? {})).toHaveLength(1);
    const body = Object.values(archive!)[0]!;
    expect(body.type).toBe("zip");
    expect(body.source_dir).toBe("../../../dist/functions/process-audio");
    expect(body.output_path).toMatch(/^[^/].*\.zip$/);
    expect(body.output_path).toContain("voice-process");
  });

  it("does deploy the archive's file and hash on nodejs22.x when synthesized", () => {
    // prepare / act
    const json = synthFunction();

    // assess
    const archiveName = Object.keys(json.data!.archive_file!)[0]!;
    const fn = onlyResource(json, "aws_lambda_function").body;
    expect(fn.filename).toBe(dataRef("archive_file", archiveName, "output_path"));
    expect(fn.source_code_hash).toBe(dataRef("archive_file", archiveName, "output_base64sha256"));
    expect(fn.runtime).toBe("nodejs22.x");
    expect(fn.handler).toBe("index.handler");
  });
});

describe("NodeFunction observability", () => {
  it("does trace with X-Ray and log JSON to its own log group when synthesized", () => {
    // prepare / act
    const json = synthFunction();

    // assess
    const fn = onlyResource(json, "aws_lambda_function").body;
    const logGroup = onlyResource(json, "aws_cloudwatch_log_group");
    expect(fn.tracing_config).toEqual({ mode: "Active" });
    expect(fn.logging_config).toEqual({
      log_format: "JSON",
      log_group: resourceRef("aws_cloudwatch_log_group", logGroup.name, "name"),
    });
    expect(logGroup.body.name).toBe("/aws/lambda/voice-message");
    expect(logGroup.body.retention_in_days).toBe(14);
    expect(fn.depends_on).toContain(`aws_cloudwatch_log_group.${logGroup.name}`);
  });

  it("does keep logs for the configured days and encrypt them when retention and a key are given", () => {
    // prepare / act
    const json = synthFunction({ cloudwatchLogsRetentionInDays: 90, kmsKeyArn: KEY_ARN });

    // assess
    const logGroup = onlyResource(json, "aws_cloudwatch_log_group").body;
    expect(logGroup.retention_in_days).toBe(90);
    expect(logGroup.kms_key_id).toBe(KEY_ARN);
  });

  it("does leave the log group on service-managed encryption when no key is given", () => {
    // prepare / act
    const json = synthFunction();

    // assess
    expect(onlyResource(json, "aws_cloudwatch_log_group").body).not.toHaveProperty("kms_key_id");
  });

  it("does write logs only to its own log group when synthesized", () => {
    // prepare / act
    const json = synthFunction();

    // assess
    const logGroup = onlyResource(json, "aws_cloudwatch_log_group");
    const logs = allowing(functionStatements(json, "voice-message"), "logs:");
    expect(logs).toHaveLength(1);
    expect(sorted(logs[0]!.actions!)).toEqual(["logs:CreateLogStream", "logs:PutLogEvents"]);
    expect(logs[0]!.resources).toEqual([`${resourceRef("aws_cloudwatch_log_group", logGroup.name, "arn")}:*`]);
  });
});

describe("NodeFunction role", () => {
  it("does give each function its own role that only Lambda can assume when two functions exist", () => {
    // prepare / act
    const json = synthScopeJson((scope) => {
      new NodeFunction(scope, "one", { functionName: "one", bundle: "voice-message" });
      new NodeFunction(scope, "two", { functionName: "two", bundle: "voice-connect" });
    });

    // assess
    const functions = resourcesOfType(json, "aws_lambda_function");
    const roles = resourcesOfType(json, "aws_iam_role");
    expect(functions).toHaveLength(2);
    expect(roles).toHaveLength(2);
    expect(new Set(functions.map((fn) => fn.body.role)).size).toBe(2);
    for (const fn of functions) {
      const role = deref(json, fn.body.role).body;
      expect(role.name).toBe(`${fn.body.function_name}-role`);
      expect(policyStatements(json, role.assume_role_policy)).toEqual([
        { actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["lambda.amazonaws.com"] }] },
      ]);
    }
  });
});

describe("NodeFunction sizing", () => {
  it("does pass timeout, memory and reserved concurrency through when they are set", () => {
    // prepare / act
    const json = synthFunction({ timeout: 30, memorySize: 1024, reservedConcurrentExecutions: 5 });

    // assess
    const fn = onlyResource(json, "aws_lambda_function").body;
    expect(fn.timeout).toBe(30);
    expect(fn.memory_size).toBe(1024);
    expect(fn.reserved_concurrent_executions).toBe(5);
  });

  it("does use 10 s, 256 MB and no reservation when sizing is not set", () => {
    // prepare / act
    const json = synthFunction();

    // assess
    const fn = onlyResource(json, "aws_lambda_function").body;
    expect(fn.timeout).toBe(10);
    expect(fn.memory_size).toBe(256);
    expect(fn).not.toHaveProperty("reserved_concurrent_executions");
  });
});

describe("NodeFunction asynchronous invocation", () => {
  it("does create no invoke config and no queue when asyncInvocation is not set", () => {
    // prepare / act
    const json = synthFunction();

    // assess
    expect(resourcesOfType(json, "aws_lambda_function_event_invoke_config")).toHaveLength(0);
    expect(resourcesOfType(json, "aws_sqs_queue")).toHaveLength(0);
  });

  it("does retry a bounded number of times and send failures to a KMS-encrypted queue when a key is given", () => {
    // prepare / act
    const json = synthFunction({ asyncInvocation: {}, kmsKeyArn: KEY_ARN });

    // assess
    const fn = onlyResource(json, "aws_lambda_function");
    const queue = onlyResource(json, "aws_sqs_queue");
    const config = onlyResource(json, "aws_lambda_function_event_invoke_config").body;
    expect(config.function_name).toBe(resourceRef("aws_lambda_function", fn.name, "function_name"));
    expect(config.maximum_retry_attempts).toBe(2);
    expect(config.maximum_event_age_in_seconds).toBe(3600);
    expect(config.destination_config).toEqual({
      on_failure: { destination: resourceRef("aws_sqs_queue", queue.name, "arn") },
    });
    expect(queue.body.kms_master_key_id).toBe(KEY_ARN);
    expect(queue.body).not.toHaveProperty("sqs_managed_sse_enabled");
    expect(queue.body.message_retention_seconds).toBe(14 * 86_400);
  });

  it("does refuse every request to the failure queue that does not use TLS when asyncInvocation is set", () => {
    // prepare / act
    const json = synthFunction({ asyncInvocation: {}, kmsKeyArn: KEY_ARN });

    // assess
    const queue = onlyResource(json, "aws_sqs_queue");
    const queuePolicy = onlyResource(json, "aws_sqs_queue_policy").body;
    expect(queuePolicy.queue_url).toBe(resourceRef("aws_sqs_queue", queue.name, "url"));
    expect(policyStatements(json, queuePolicy.policy)).toEqual([
      expect.objectContaining({
        effect: "Deny",
        actions: ["*"],
        resources: [resourceRef("aws_sqs_queue", queue.name, "arn")],
        condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
      }),
    ]);
  });

  it("does encrypt the failure queue with SSE-SQS when no key is given", () => {
    // prepare / act
    const json = synthFunction({ asyncInvocation: {} });

    // assess
    const queue = onlyResource(json, "aws_sqs_queue").body;
    expect(queue.sqs_managed_sse_enabled).toBe(true);
    expect(queue).not.toHaveProperty("kms_master_key_id");
  });

  it("does pass retry, event age and retention through when asyncInvocation sets them", () => {
    // prepare / act
    const json = synthFunction({
      asyncInvocation: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 120, failureRetentionInDays: 4 },
    });

    // assess
    const config = onlyResource(json, "aws_lambda_function_event_invoke_config").body;
    expect(config.maximum_retry_attempts).toBe(0);
    expect(config.maximum_event_age_in_seconds).toBe(120);
    expect(onlyResource(json, "aws_sqs_queue").body.message_retention_seconds).toBe(4 * 86_400);
  });

  it("does let the role send only to its own failure queue when asyncInvocation is set with a key", () => {
    // prepare / act
    const json = synthFunction({ asyncInvocation: {}, kmsKeyArn: KEY_ARN });

    // assess
    const queue = onlyResource(json, "aws_sqs_queue");
    const statements = functionStatements(json, "voice-message");
    const sqs = allowing(statements, "sqs:");
    expect(sqs).toHaveLength(1);
    expect(sqs[0]!.actions).toEqual(["sqs:SendMessage"]);
    expect(sqs[0]!.resources).toEqual([resourceRef("aws_sqs_queue", queue.name, "arn")]);
    const kms = allowing(statements, "kms:");
    expect(kms).toHaveLength(1);
    expect(sorted(kms[0]!.actions!)).toEqual(["kms:Decrypt", "kms:GenerateDataKey"]);
    expect(kms[0]!.resources).toEqual([KEY_ARN]);
  });
});

describe("NodeFunction bindTable", () => {
  it.each([
    ["read", ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query"]],
    ["write", ["dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]],
    [
      "readWrite",
      [
        "dynamodb:BatchGetItem",
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
      ],
    ],
  ] as const)("does set the variable and grant exactly the %s actions on the table and its indexes when bound", (access, actions) => {
    // prepare / act
    const json = synthFunction({}, (fn) => fn.bindTable("PLAYERS_TABLE", TABLE, access));

    // assess
    const fn = onlyResource(json, "aws_lambda_function").body;
    expect(fn.environment.variables.PLAYERS_TABLE).toBe("players");
    const dynamodb = allowing(functionStatements(json, "voice-message"), "dynamodb:");
    expect(dynamodb).toHaveLength(1);
    expect(sorted(dynamodb[0]!.actions!)).toEqual(actions);
    expect(dynamodb[0]!.resources).toEqual([TABLE.tableArn, `${TABLE.tableArn}/index/*`]);
  });

  it("does keep constructor variables and add bound ones when bindTable is called after construction", () => {
    // prepare
    const environment = { STAGE: "live" };

    // act
    const json = synthFunction({ environment }, (fn) => {
      fn.bindTable("PLAYERS_TABLE", TABLE, "read");
      fn.addEnvironment("LATE", "yes");
    });

    // assess
    expect(onlyResource(json, "aws_lambda_function").body.environment.variables).toEqual({
      STAGE: "live",
      PLAYERS_TABLE: "players",
      LATE: "yes",
    });
    expect(environment).toEqual({ STAGE: "live" });
  });

  it("does pass the table's TTL attribute and indexes with its name when the table has them", () => {
    // prepare
    const table = { ...TABLE, ttlAttribute: "ttl", indexes: [{ name: "room-index", hashKey: "roomId", rangeKey: "connectedAt" }, { name: "user-index", hashKey: "userId" }] };
    // act
    const json = synthFunction({}, (fn) => fn.bindTable("CONNECTIONS_TABLE", table, "read"));
    // assess
    expect(onlyResource(json, "aws_lambda_function").body.environment.variables).toEqual({
      CONNECTIONS_TABLE: "players",
      CONNECTIONS_TABLE_TTL_ATTRIBUTE: "ttl",
      CONNECTIONS_TABLE_INDEXES: "room-index:roomId:connectedAt,user-index:userId",
    });
  });

  it("does refuse to point a bound variable at a second table when the name is taken", () => {
    // prepare / act
    const act = constructFunction({}, (fn) => {
      fn.bindTable("PLAYERS_TABLE", TABLE, "read");
      fn.bindTable("PLAYERS_TABLE", { tableName: "other", tableArn: `${TABLE.tableArn}-other` }, "read");
    });

    // assess
    expect(act).toThrow(/PLAYERS_TABLE/);
  });
});

describe("NodeFunction allowPutEvents", () => {
  it("does allow PutEvents on that bus only and name it in the variable when called", () => {
    // prepare / act
    const json = synthFunction({}, (fn) => fn.allowPutEvents("EVENT_BUS_NAME", BUS));

    // assess
    expect(onlyResource(json, "aws_lambda_function").body.environment.variables.EVENT_BUS_NAME).toBe("voice-events");
    const events = allowing(functionStatements(json, "voice-message"), "events:");
    expect(events).toEqual([{ actions: ["events:PutEvents"], resources: [BUS.busArn] }]);
  });
});

describe("NodeFunction grantBucketPrefix", () => {
  it("does grant object actions under the prefix and key actions on the bucket key when read and write are asked", () => {
    // prepare / act
    const json = synthFunction({}, (fn) => fn.grantBucketPrefix(BUCKET, "audio/", { read: true, write: true }));

    // assess
    const statements = functionStatements(json, "voice-message");
    const s3 = allowing(statements, "s3:");
    expect(s3).toHaveLength(1);
    expect(sorted(s3[0]!.actions!)).toEqual(["s3:GetObject", "s3:PutObject"]);
    expect(s3[0]!.resources).toEqual([`${BUCKET.bucketArn}/audio/*`]);
    const kms = allowing(statements, "kms:");
    expect(kms).toHaveLength(1);
    expect(sorted(kms[0]!.actions!)).toEqual(["kms:Decrypt", "kms:GenerateDataKey"]);
    expect(kms[0]!.resources).toEqual([KEY_ARN]);
  });

  it("does grant only GetObject and Decrypt when only read is asked", () => {
    // prepare / act
    const json = synthFunction({}, (fn) => fn.grantBucketPrefix(BUCKET, "audio/", { read: true }));

    // assess
    const statements = functionStatements(json, "voice-message");
    expect(allowing(statements, "s3:").flatMap((statement) => statement.actions)).toEqual(["s3:GetObject"]);
    expect(allowing(statements, "kms:").flatMap((statement) => statement.actions)).toEqual(["kms:Decrypt"]);
  });

  it("does grant only PutObject and GenerateDataKey when only write is asked", () => {
    // prepare / act
    const json = synthFunction({}, (fn) => fn.grantBucketPrefix(BUCKET, "audio/", { write: true }));

    // assess
    const statements = functionStatements(json, "voice-message");
    expect(allowing(statements, "s3:").flatMap((statement) => statement.actions)).toEqual(["s3:PutObject"]);
    expect(allowing(statements, "kms:").flatMap((statement) => statement.actions)).toEqual(["kms:GenerateDataKey"]);
  });
});

describe("NodeFunction validation", () => {
  it.each([
    ["a function name with a space", { functionName: "voice message" }, /"voice message"/],
    ["a function name over 64 characters", { functionName: "f".repeat(65) }, new RegExp(`"${"f".repeat(65)}"`)],
    ["a function name whose role name would pass 64 characters", { functionName: "f".repeat(60) }, new RegExp(`"${"f".repeat(60)}"`)],
    ["an empty function name", { functionName: "" }, /got ""/],
    ["a bundle that climbs out of dist", { bundle: "../secrets" }, /"\.\.\/secrets"/],
    ["a timeout of 0 s", { timeout: 0 }, /got 0/],
    ["a timeout over 900 s", { timeout: 901 }, /got 901/],
    ["memory under 128 MB", { memorySize: 64 }, /got 64/],
    ["memory over 10240 MB", { memorySize: 20_000 }, /got 20000/],
  ] as const)("does throw naming the value when given %s", (_what, props, message) => {
    // prepare / act
    const act = constructFunction(props as Partial<NodeFunctionProps>);

    // assess
    expect(act).toThrow(message);
  });

  it.each([
    ["an empty prefix", "", /got ""/],
    ["a prefix with *", "audio/*", /"audio\/\*"/],
    ["a prefix with ?", "audio?/", /"audio\?\/"/],
  ])("does throw naming the prefix when grantBucketPrefix gets %s", (_what, prefix, message) => {
    // prepare / act
    const act = constructFunction({}, (fn) => fn.grantBucketPrefix(BUCKET, prefix, { read: true }));

    // assess
    expect(act).toThrow(message);
  });

  it("does throw naming the bucket when grantBucketPrefix asks for neither read nor write", () => {
    // prepare / act
    const act = constructFunction({}, (fn) => fn.grantBucketPrefix(BUCKET, "audio/", {}));

    // assess
    expect(act).toThrow(/voice-audio/);
  });

  it("does throw naming the variable when an environment variable name is invalid", () => {
    // prepare / act
    const act = constructFunction({}, (fn) => fn.addEnvironment("1BAD", "x"));

    // assess
    expect(act).toThrow(/"1BAD"/);
  });
});
