import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TerraformStack, Testing } from "cdktf";
import { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateString, ExpressionError, type ReferenceResolver } from "../../local/model/expression";
import { buildStackModel, type StackModel } from "../../local/model/stack-model";
import { readSynthesizedStacks } from "../../local/model/terraform-config";
import { synthesizedBaseUrl } from "../../local/apigateway/service";
import { NodeFunction } from "../../modules/lambda-function";
import { WebSocketApi } from "../../modules/websocket";
import { GameVoiceStack } from "../../stacks/game-voice-stack";

const noReferences: ReferenceResolver = (_, text) => {
  throw new ExpressionError(`unexpected reference ${text}`);
};

describe("expression evaluation", () => {
  it("returns a string without interpolation unchanged", () => {
    expect(evaluateString("plain $text", noReferences)).toBe("plain $text");
  });

  it("resolves a reference and keeps its type when it is the whole string", () => {
    const value = evaluateString("${aws_x.a.count}", (path) => (path.join(".") === "aws_x.a.count" ? 3 : null));

    expect(value).toBe(3);
  });

  it("joins literal text and references into one string when they are mixed", () => {
    const value = evaluateString("${aws_api.a.execution_arn}/live/$connect", () => "arn:aws:execute-api:r:1:abc");

    expect(value).toBe("arn:aws:execute-api:r:1:abc/live/$connect");
  });

  it("evaluates nested calls of supported functions when the arguments are references and literals", () => {
    const value = evaluateString('${element(split(":", aws_kms_key.k.arn), 4)}', () => "arn:aws:kms:us-east-1:123456789012:key/k");

    expect(value).toBe("123456789012");
  });

  it("evaluates replace on a stage url when building a management endpoint", () => {
    const value = evaluateString('${replace(aws_stage.s.invoke_url, "wss://", "https://")}', () => "wss://h/live");

    expect(value).toBe("https://h/live");
  });

  it("unescapes $${ to a literal ${ when Terraform escaping is used", () => {
    expect(evaluateString("cost: $${amount}", noReferences)).toBe("cost: ${amount}");
  });

  it("names the function when an expression calls one the runtime does not support", () => {
    expect(() => evaluateString("${timestamp()}", noReferences)).toThrow(/Function timestamp\(\) is not supported/);
  });
});

describe("local model of the game-voice stack", () => {
  let model: StackModel;

  beforeAll(() => {
    const app = Testing.app();
    const stack = new GameVoiceStack(app, "game-voice", { region: "us-east-1" });
    const outDir = mkdtempSync(join(tmpdir(), "model-"));
    mkdirSync(join(outDir, "stacks", "game-voice"), { recursive: true });
    writeFileSync(join(outDir, "stacks", "game-voice", "cdk.tf.json"), Testing.synth(stack));
    const [synthesized] = readSynthesizedStacks(outDir);
    model = buildStackModel(synthesized, {
      region: "us-east-1",
      account: "000000000000",
      localUrls: { [`aws_apigatewayv2_api.${Object.keys(JSON.parse(Testing.synth(stack)).resource.aws_apigatewayv2_api)[0]}`]: "ws://127.0.0.1:4510" },
    });
  });

  it("finds both tables with their keys, channel index and TTL attribute", () => {
    const connections = model.tables.find((table) => table.name === "game-voice-connections");

    expect(connections).toMatchObject({
      hashKey: "connectionId",
      ttlAttribute: "expiresAt",
      globalSecondaryIndexes: [{ name: "channel-index", hashKey: "channel", projectionType: "KEYS_ONLY" }],
    });
    expect(model.tables.map((table) => table.name).sort()).toEqual(["game-voice-audio-chunks", "game-voice-connections"]);
  });

  it("gives the bucket a stable local name from its prefix when AWS would generate it", () => {
    expect(model.buckets).toHaveLength(1);
    expect(model.buckets[0].name).toMatch(/^game-voice-audio-[a-z0-9]{12}$/);
  });

  it("resolves every function environment variable to a literal value", () => {
    for (const fn of model.functions) {
      for (const value of Object.values(fn.environment)) {
        expect(value).not.toContain("${");
      }
    }
    const validate = model.functions.find((fn) => fn.name === "game-voice-validate-audio")!;
    expect(validate.environment.AUDIO_BUCKET).toBe(model.buckets[0].name);
    expect(validate.environment.CONNECTIONS_TABLE).toBe("game-voice-connections");
    expect(validate.bundleDir).toMatch(/dist[\\/]functions[\\/]validate-audio$/);
  });

  it("wires the rules to their targets with retry policy and dead-letter queue", () => {
    expect(model.rules.map((rule) => rule.name).sort()).toEqual(["game-voice-audio-processing", "game-voice-audio-validation"]);
    const target = model.targets.find((candidate) => candidate.ruleName === "game-voice-audio-processing")!;
    expect(target.arn).toBe(model.functions.find((fn) => fn.name === "game-voice-process-audio")!.arn);
    expect(target.retryPolicy).toEqual({ maximumRetryAttempts: 2, maximumEventAgeInSeconds: 60 });
    expect(target.deadLetterArn).toMatch(/:game-voice-events-dlq$/);
  });

  it("maps every route of the WebSocket API to its function, with the API key and authorizer on $connect", () => {
    const [api] = model.webSocketApis;

    const routes = Object.fromEntries(api.routes.map((route) => [route.routeKey, route]));
    expect(Object.keys(routes).sort()).toEqual(["$connect", "$default", "$disconnect", "audio", "sendaudio"]);
    expect(routes.$connect).toMatchObject({ functionName: "game-voice-connect", authorizationType: "CUSTOM", apiKeyRequired: true });
    expect(routes.sendaudio.functionName).toBe("game-voice-message");
    expect(routes.audio.functionName).toBe("game-voice-message");
    expect(api.authorizer).toMatchObject({ functionName: "game-voice-authorizer", identitySources: [] });
    expect(api.apiKeySelectionExpression).toBe("$request.header.x-api-key");
    expect(api.apiKeys).toHaveLength(1);
    expect(api.apiKeys[0].value).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(api.stages).toEqual([{ name: "live", throttlingRateLimit: 500, throttlingBurstLimit: 1000 }]);
  });

  it("links the user pool to its client and hands both ids to the authorizer", () => {
    const [pool] = model.userPools;
    const authorizer = model.functions.find((fn) => fn.name === "game-voice-authorizer")!;

    expect(pool.id).toMatch(/^us-east-1_[A-Za-z0-9]{9}$/);
    expect(pool.clients).toHaveLength(1);
    expect(authorizer.environment).toEqual({ USER_POOL_ID: pool.id, USER_POOL_CLIENT_ID: pool.clients[0].id });
  });

  it("lists the resource types it does not emulate instead of dropping them", () => {
    expect(model.notEmulated).toMatchObject({ aws_iam_role: 7, aws_kms_key: 2, aws_sqs_queue: 3 });
    expect(model.notEmulated.aws_lambda_function).toBeUndefined();
  });
});

describe("reading synthesized stacks", () => {
  it("names the unknown stack and the known ones when asked for a stack that was not synthesized", () => {
    const outDir = mkdtempSync(join(tmpdir(), "stacks-"));
    mkdirSync(join(outDir, "stacks", "game-voice"), { recursive: true });
    writeFileSync(join(outDir, "stacks", "game-voice", "cdk.tf.json"), "{}");

    expect(() => readSynthesizedStacks(outDir, ["chat"])).toThrow("Unknown stack chat; synthesized stacks are game-voice");
  });

  it("tells the user to synthesize when there is no output folder", () => {
    expect(() => readSynthesizedStacks(join(tmpdir(), "does-not-exist-xyz"))).toThrow(/run npm run synth first/);
  });
});

describe("logical names of resources", () => {
  it("names resources by their construct, not their Terraform address", async () => {
    const { logicalName } = await import("../../local/model/resource-config");

    expect(logicalName({ "//": { metadata: { path: "game-voice/websocket/connections/table" } } }, "x")).toBe("connections");
    expect(logicalName({ "//": { metadata: { path: "game-voice/audio/audio-bucket" } } }, "x")).toBe("audio");
    expect(logicalName({ "//": { metadata: { path: "game-voice/players" } } }, "x")).toBe("players");
    expect(logicalName({}, "websocket_connections_table_2A6652F4")).toBe("connections");
    expect(logicalName({}, "audio_audio-bucket_B3DAF5C5")).toBe("audio");
    expect(logicalName({}, "players_0F1E2D3C")).toBe("players");
  });
});

describe("the management endpoint of a WebSocket API, run locally", () => {
  it("does resolve to the https URL the functions' routing sends to the local gateway when a function takes it from the module", () => {
    // prepare: a function that reaches @connections without a request context, from the module's endpoint
    const app = Testing.app();
    const stack = new TerraformStack(app, "endpoint-probe");
    new AwsProvider(stack, "aws", { region: "us-east-1" });
    new ArchiveProvider(stack, "archive");
    const api = new WebSocketApi(stack, "websocket", { name: "probe" });
    const cleanup = new NodeFunction(stack, "cleanup", { functionName: "probe-cleanup", bundle: "ws-default", environment: { MANAGEMENT_ENDPOINT: api.managementEndpoint } });
    api.addRoute("$default", { handler: cleanup });
    const outDir = mkdtempSync(join(tmpdir(), "model-"));
    mkdirSync(join(outDir, "stacks", "endpoint-probe"), { recursive: true });
    writeFileSync(join(outDir, "stacks", "endpoint-probe", "cdk.tf.json"), Testing.synth(stack));
    const [synthesized] = readSynthesizedStacks(outDir);
    const apiAddress = `aws_apigatewayv2_api.${Object.keys(synthesized.resources.aws_apigatewayv2_api)[0]}`;
    // act
    const probe = buildStackModel(synthesized, { region: "us-east-1", account: "000000000000", localUrls: { [apiAddress]: synthesizedBaseUrl("127.0.0.1:4510") } });
    // assess
    expect(probe.functions.find((fn) => fn.name === "probe-cleanup")!.environment.MANAGEMENT_ENDPOINT).toBe("https://127.0.0.1:4510/live");
  });
});
