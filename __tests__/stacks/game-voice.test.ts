import { beforeAll, describe, expect, it } from "vitest";
import { Testing } from "cdktf";
import { GameVoiceStack, type GameVoiceConfig } from "../../stacks/game-voice-stack";
import { AudioStatus } from "../../functions/shared/audio-events";
import { pendingDetailSchema, storedDetailSchema, type PendingDetail, type StoredDetail } from "../../functions/shared/audio-event-schemas";
import { audioObjectKey } from "../../functions/shared/audio-key";
import { matchesEventPattern } from "../../local/eventbridge/event-pattern";
import { allStatements, keyPolicyDocuments, SCOPED_SERVICES } from "../support/secure-defaults";
import { describeTableBilling } from "../support/table-billing";
import {
  deref,
  functionStatements,
  parseRef,
  resourceRef,
  resourcesOfType,
  resourceWhere,
  synthStackJson,
  walk,
  type NamedBlock,
  type TerraformJson,
} from "../modules/terraform-json";

const STACK_ID = "game-voice";

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

// The secure-default, IAM and path checks of every stack are in every-stack.test.ts; this pins what game-voice holds,
// so that none of those loops passes over nothing.
describe("game-voice inventory", () => {
  it("does hold the functions, log groups, tables, queues, keys, buckets, stages, targets and grants the checks loop over", () => {
    // prepare
    const count = (type: string) => resourcesOfType(json, type).length;
    const keyPolicies = keyPolicyDocuments(json);
    const grants = allStatements(json).filter(
      (statement) => (statement.effect ?? "Allow") === "Allow" && !keyPolicies.has(statement.document) && (statement.actions ?? []).some((action) => SCOPED_SERVICES.some((service) => action.startsWith(service))),
    );
    const lambdaTargets = resourcesOfType(json, "aws_cloudwatch_event_target").filter((target) => parseRef(target.body.arn)?.type === "aws_lambda_function");
    const pathValues: string[] = [];
    walk(json, (key, value) => {
      if (["source_dir", "output_path", "filename"].includes(key) && typeof value === "string") pathValues.push(value);
    });
    // assess
    expect(count("aws_lambda_function")).toBe(7);
    expect(count("aws_cloudwatch_log_group")).toBeGreaterThanOrEqual(8);
    expect(count("aws_dynamodb_table")).toBe(2);
    expect(count("aws_sqs_queue")).toBeGreaterThanOrEqual(3);
    expect(count("aws_kms_key")).toBe(2);
    expect(keyPolicies.size).toBe(2);
    expect(count("aws_s3_bucket")).toBe(1);
    expect(count("aws_apigatewayv2_stage")).toBe(1);
    expect(count("aws_cognito_user_pool")).toBe(1);
    expect(count("aws_cognito_user_pool_client")).toBe(1);
    expect(lambdaTargets).toHaveLength(count("aws_cloudwatch_event_target"));
    expect(lambdaTargets.length).toBeGreaterThanOrEqual(2);
    expect(allStatements(json).length).toBeGreaterThan(20);
    expect(grants.length).toBeGreaterThan(10);
    expect(pathValues.length).toBeGreaterThanOrEqual(21);
    expect(Object.keys(json.data?.archive_file ?? {})).toHaveLength(7);
    // connect, disconnect, message and validate-audio bind the connections table; validate-audio the chunks table too
    const tableBindings = resourcesOfType(json, "aws_lambda_function").flatMap((fn) =>
      Object.values((fn.body.environment?.variables ?? {}) as Record<string, string>).filter((value) => parseRef(value)?.type === "aws_dynamodb_table"),
    );
    expect(tableBindings).toHaveLength(5);
  });
});

describe("game-voice connection grants", () => {
  it("grants only POST on this stage's connections, and only to the functions that post, when synthesized", () => {
    // prepare
    const api = resourcesOfType(json, "aws_apigatewayv2_api");
    const stage = resourcesOfType(json, "aws_apigatewayv2_stage");
    expect(api).toHaveLength(1);
    expect(stage).toHaveLength(1);

    // act
    const granted = Object.fromEntries(
      resourcesOfType(json, "aws_lambda_function").map((fn) => [
        fn.body.function_name as string,
        functionStatements(json, fn.body.function_name).filter((statement) => (statement.actions ?? []).some((action) => action.startsWith("execute-api:"))),
      ]),
    );

    // assess
    const posting = ["game-voice-message", "game-voice-default", "game-voice-process-audio", "game-voice-validate-audio"];
    const postArn = `${resourceRef("aws_apigatewayv2_api", api[0]!.name, "execution_arn")}/${stage[0]!.body.name}/POST/@connections/*`;
    for (const [functionName, statements] of Object.entries(granted)) {
      const expected = posting.includes(functionName) ? [{ actions: ["execute-api:ManageConnections"], resources: [postArn] }] : [];
      expect(statements, functionName).toEqual(expected);
    }
    expect(Object.keys(granted)).toEqual(expect.arrayContaining(posting));
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

describe("game-voice addresses", () => {
  // Deployed stacks hold these in their Terraform state: a new address destroys and recreates the resource
  // (for the pool, every player in it).
  it.each([
    ["aws_cognito_user_pool", "players"],
    ["aws_cognito_user_pool_client", "players-client"],
    ["aws_api_gateway_api_key", "websocket_api-key_1E8CECFD"],
    ["aws_api_gateway_usage_plan", "websocket_usage-plan_3EC81846"],
    ["aws_api_gateway_usage_plan_key", "websocket_usage-plan-key_86F29668"],
  ])("keeps the %s at the address %s that deployed stacks have", (type, address) => {
    // prepare / act
    const addresses = Object.keys(json.resource?.[type] ?? {});

    // assess
    expect(addresses).toEqual([address]);
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

  it("leaves the account-wide API Gateway setting and its role alone when manageApiGatewayAccount is not set", () => {
    // prepare / act
    const roles = resourcesOfType(json, "aws_iam_role").map((role) => role.body.name as string);

    // assess
    expect(resourcesOfType(json, "aws_api_gateway_account")).toEqual([]);
    expect(resourcesOfType(json, "aws_iam_role_policy_attachment")).toEqual([]);
    expect(roles.filter((name) => name.includes("api-gateway"))).toEqual([]);
  });

  it("sets the account-wide API Gateway role at the addresses it had inline when manageApiGatewayAccount is true", () => {
    // prepare / act
    const owning = synthGameVoice({ manageApiGatewayAccount: true });

    // assess
    expect(Object.keys(owning.resource?.aws_api_gateway_account ?? {})).toEqual(["api-gateway-account"]);
    expect(owning.resource?.aws_api_gateway_account?.["api-gateway-account"]?.cloudwatch_role_arn).toBe(
      resourceRef("aws_iam_role", "api-gateway-logs-role", "arn"),
    );
    expect(owning.resource?.aws_iam_role?.["api-gateway-logs-role"]?.name).toBe("game-voice-api-gateway-logs");
    expect(owning.resource?.aws_iam_role_policy_attachment?.["api-gateway-logs-policy"]).toEqual({
      role: resourceRef("aws_iam_role", "api-gateway-logs-role", "name"),
      policy_arn: "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
    });
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

describeTableBilling(STACK_ID, (tableBilling) => synthGameVoice({ tableBilling }), { tables: 2, indexes: 1 });
