import { describe, expect, it } from "vitest";
import { NodeFunction } from "../../modules/lambda-function";
import { Signaling, type SignalingProps } from "../../modules/signaling";
import { allowing, functionStatements, onlyResource, parseRef, resourcesOfType, synthScopeJson, type TerraformJson } from "./terraform-json";

const KEY_ARN = "arn:aws:kms:us-west-2:123456789012:key/1111aaaa-2222-bbbb-3333-cccc4444dddd";

function synthSignaling(props: Partial<SignalingProps> = {}): TerraformJson {
  return synthScopeJson((scope) => {
    const authorizer = new NodeFunction(scope, "authorizer", { functionName: "poker-authorizer", bundle: "cognito-authorizer" });
    new Signaling(scope, "signaling", { name: "poker", authorizer: { handler: authorizer }, kmsKeyArn: KEY_ARN, ...props });
  });
}

const handlerEnvironment = (json: TerraformJson) => resourcesOfType(json, "aws_lambda_function").find((fn) => fn.body.function_name === "poker-handler")!.body.environment.variables;

describe("Signaling", () => {
  it("does route $connect, $disconnect and $default to one handler on the stage prod, selecting on type", () => {
    // act
    const json = synthSignaling();
    // assess
    expect(onlyResource(json, "aws_apigatewayv2_api").body.route_selection_expression).toBe("$request.body.type");
    expect(onlyResource(json, "aws_apigatewayv2_stage").body.name).toBe("prod");
    const routes = resourcesOfType(json, "aws_apigatewayv2_route");
    expect(routes.map((route) => route.body.route_key).sort()).toEqual(["$connect", "$default", "$disconnect"]);
    expect(new Set(routes.map((route) => route.body.target)).size).toBe(1);
  });

  it("does keep connections as the seed says: key connectionId, TTL attribute ttl, gameId-index on gameId", () => {
    // act
    const table = onlyResource(synthSignaling(), "aws_dynamodb_table").body;
    // assess
    expect(table).toMatchObject({ name: "poker-connections", hash_key: "connectionId", ttl: { enabled: true, attribute_name: "ttl" } });
    expect(table.global_secondary_index).toEqual([expect.objectContaining({ name: "gameId-index", hash_key: "gameId", projection_type: "INCLUDE", non_key_attributes: ["playerId", "connectedAt"] })]);
  });

  it("does let the handler post to and close this stage's connections only, and keep 7 days of logs", () => {
    // act
    const json = synthSignaling();
    // assess
    const resources = allowing(functionStatements(json, "poker-handler"), "execute-api:").flatMap((statement) => statement.resources ?? []);
    expect(resources.map((resource) => resource.replace(/^\$\{[^}]+\}/, "<api>")).sort()).toEqual(["<api>/prod/DELETE/@connections/*", "<api>/prod/POST/@connections/*"]);
    const logGroup = resourcesOfType(json, "aws_cloudwatch_log_group").find((group) => group.body.name === "/aws/lambda/poker-handler")!;
    expect(logGroup.body.retention_in_days).toBe(7);
  });

  it("does give the handler its limits and STUN servers, and no TURN or secret unless asked", () => {
    // act
    const json = synthSignaling({ maxPlayersPerGame: 6, maxPayloadBytes: 8192, iceServers: { stunUrls: ["stun:stun.example.com:3478"] } });
    // assess
    expect(handlerEnvironment(json)).toMatchObject({ MAX_PLAYERS_PER_GAME: "6", MAX_PAYLOAD_BYTES: "8192", CONNECTION_TTL_SECONDS: "7200", STUN_URLS: "stun:stun.example.com:3478" });
    expect(handlerEnvironment(json).TURN_URLS).toBeUndefined();
    expect(resourcesOfType(json, "aws_secretsmanager_secret")).toEqual([]);
    expect(allowing(functionStatements(json, "poker-handler"), "secretsmanager:")).toEqual([]);
  });

  it("does keep TURN's shared secret in a KMS-encrypted secret with no value in Terraform, readable by the handler alone", () => {
    // act
    const json = synthSignaling({ iceServers: { turn: { urls: ["turns:turn.example.com:5349"], credentialTtlSeconds: 600 } } });
    // assess
    const secret = onlyResource(json, "aws_secretsmanager_secret");
    expect(secret.body).toMatchObject({ name: "poker-turn-secret", kms_key_id: KEY_ARN, recovery_window_in_days: 30 });
    expect(resourcesOfType(json, "aws_secretsmanager_secret_version")).toEqual([]);
    const env = handlerEnvironment(json);
    expect(env).toMatchObject({ TURN_URLS: "turns:turn.example.com:5349", TURN_CREDENTIAL_TTL_SECONDS: "600" });
    expect(parseRef(env.TURN_SECRET_ARN)).toMatchObject({ type: "aws_secretsmanager_secret", name: secret.name, attribute: "arn" });
    const statements = functionStatements(json, "poker-handler");
    expect(allowing(statements, "secretsmanager:")).toEqual([expect.objectContaining({ actions: ["secretsmanager:GetSecretValue"], resources: [env.TURN_SECRET_ARN] })]);
    expect(allowing(statements, "kms:Decrypt")).toEqual([
      expect.objectContaining({ resources: [KEY_ARN], condition: [{ test: "StringLike", variable: "kms:ViaService", values: ["secretsmanager.*.amazonaws.com"] }] }),
    ]);
    expect(allowing(functionStatements(json, "poker-authorizer"), "secretsmanager:")).toEqual([]);
  });

  it.each<[string, Partial<SignalingProps>, string]>([
    ["a table of one", { maxPlayersPerGame: 1 }, "maxPlayersPerGame must be a whole number from 2 to 100"],
    ["a payload past a frame", { maxPayloadBytes: 40_000 }, "maxPayloadBytes must be a whole number from 1 to 28672"],
    ["records that expire under live connections", { connectionTtlSeconds: 600 }, "connectionTtlSeconds must be a whole number from 7200"],
    ["a STUN URL of another scheme", { iceServers: { stunUrls: ["https://stun.example.com"] } }, "STUN URLs must start with stun: or stuns:"],
    ["a TURN URL list joined by commas", { iceServers: { turn: { urls: ["turn:a.example.com,turn:b.example.com"] } } }, "hold no spaces or commas"],
    ["TURN without URLs", { iceServers: { turn: { urls: [] } } }, "Signaling TURN needs at least one URL"],
  ])("does refuse %s at synth, naming the setting", (_name, props, message) => {
    // act and assess
    expect(() => synthSignaling(props)).toThrow(message);
  });
});
