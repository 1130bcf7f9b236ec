import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { VoiceConnection } from "../../functions/shared/voice-connection";
import { ClientError } from "../../functions/shared/errors";
import type { WebSocketEvent, WebSocketResult } from "../../functions/shared/websocket-event";
import { setBaseEnvironment, webSocketEvent } from "./support";

const TTL_SECONDS = 7200;
setBaseEnvironment({ CONNECTIONS_TABLE: "connections", CONNECTIONS_TABLE_TTL_ATTRIBUTE: "expiresAt", CONNECTION_TTL_SECONDS: String(TTL_SECONDS), DEFAULT_CHANNEL: "global" });
const dynamo = mockClient(DynamoDBDocumentClient);

let handler: (event: WebSocketEvent) => Promise<WebSocketResult>;
let connectionRecord: (event: WebSocketEvent, defaultChannel: string, now: number) => VoiceConnection;

const NOW = new Date("2025-01-02T03:04:05.678Z");

function connectEvent(options: Parameters<typeof webSocketEvent>[0] = {}): WebSocketEvent {
  return webSocketEvent({ eventType: "CONNECT", routeKey: "$connect", connectionId: "new-conn", ...options });
}

function storedItems(): unknown[] {
  return dynamo.commandCalls(PutCommand).map((call) => call.args[0].input.Item);
}

beforeAll(async () => {
  ({ handler, connectionRecord } = await import("../../functions/voice-connect/index"));
});

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
  dynamo.reset();
  dynamo.on(PutCommand).resolves({});
});

afterEach(() => {
  vi.useRealTimers();
});

describe("voice-connect handler", () => {
  it("does store the connection in the global channel with the authorizer's identity when no channel is asked for", async () => {
    // prepare
    const event = connectEvent();
    // act
    const result = await handler(event);
    // assess
    expect(result).toEqual({ statusCode: 200 });
    expect(dynamo.commandCalls(PutCommand)[0].args[0].input.TableName).toBe("connections");
    expect(storedItems()).toEqual([
      {
        connectionId: "new-conn",
        channel: "global",
        userId: "user-alice",
        username: "alice",
        connectedAt: NOW.getTime(),
        expiresAt: Math.floor(NOW.getTime() / 1000) + TTL_SECONDS,
      },
    ]);
  });

  it("does store the asked channel when ?channel= is valid", async () => {
    // prepare
    const event = connectEvent({ queryStringParameters: { channel: "team-red_2" } });
    // act
    const result = await handler(event);
    // assess
    expect(result.statusCode).toBe(200);
    expect(storedItems()).toEqual([expect.objectContaining({ channel: "team-red_2" })]);
  });

  it("does take the identity from the authorizer and not from the query when the query names someone else", async () => {
    // prepare
    const event = connectEvent({ queryStringParameters: { channel: "global", username: "mallory", userId: "u-m" } });
    // act
    await handler(event);
    // assess
    expect(storedItems()).toEqual([expect.objectContaining({ userId: "user-alice", username: "alice" })]);
  });

  it.each([
    ["has a space", "team red"],
    ["is empty", ""],
    ["is 65 characters", "c".repeat(65)],
    ["climbs with ../", "../admin"],
    ["has non-ASCII letters", "équipe"],
  ])("does answer 400 INVALID_CHANNEL and store nothing when the channel %s", async (_name, channel) => {
    // prepare
    const event = connectEvent({ queryStringParameters: { channel } });
    // act
    const result = await handler(event);
    // assess
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body ?? "")).toMatchObject({ code: "INVALID_CHANNEL" });
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it.each([
    ["there is no authorizer context", null],
    ["the context has no user id", { username: "alice" }],
  ])("does answer 401 UNAUTHENTICATED and store nothing when %s", async (_name, authorizer) => {
    // prepare
    const event = connectEvent({ authorizer });
    // act
    const result = await handler(event);
    // assess
    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body ?? "")).toMatchObject({ code: "UNAUTHENTICATED" });
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it("does reject, refusing the connection, when the store fails", async () => {
    // prepare
    dynamo.on(PutCommand).rejects(new Error("DynamoDB unavailable"));
    const event = connectEvent();
    // act
    const outcome = handler(event);
    // assess
    await expect(outcome).rejects.toThrow("DynamoDB unavailable");
  });

  it("does either store the channel asked for or answer 400 INVALID_CHANNEL when a client asks for any channel", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/)), async (channel) => {
        // prepare
        dynamo.reset();
        dynamo.on(PutCommand).resolves({});
        const event = connectEvent({ queryStringParameters: { channel } });
        // act
        const result = await handler(event);
        // assess
        if (/^[A-Za-z0-9_-]{1,64}$/.test(channel)) {
          expect(result.statusCode).toBe(200);
          expect(storedItems()).toEqual([expect.objectContaining({ channel })]);
        } else {
          expect(result.statusCode).toBe(400);
          expect(JSON.parse(result.body ?? "").code).toBe("INVALID_CHANNEL");
          expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("connectionRecord", () => {
  it("does set expiresAt to the connection time in seconds plus CONNECTION_TTL_SECONDS when given a time", () => {
    // prepare
    const now = 1_700_000_000_999;
    // act
    const record = connectionRecord(connectEvent(), "lobby", now);
    // assess
    expect(record).toMatchObject({ channel: "lobby", connectedAt: now, expiresAt: 1_700_000_000 + TTL_SECONDS });
  });

  it("does throw a ClientError when the channel is invalid", () => {
    // prepare
    const event = connectEvent({ queryStringParameters: { channel: "a b" } });
    // act
    const act = () => connectionRecord(event, "global", 0);
    // assess
    expect(act).toThrow(ClientError);
  });
});

describe("voice-connect cold start", () => {
  it("does fail to load when CONNECTION_TTL_SECONDS is not a positive integer", async () => {
    // prepare
    vi.resetModules();
    process.env.CONNECTION_TTL_SECONDS = "0";
    // act
    const loading = import("../../functions/voice-connect/index");
    // assess
    await expect(loading).rejects.toThrow('CONNECTION_TTL_SECONDS must be a positive integer, got "0"');
    process.env.CONNECTION_TTL_SECONDS = String(TTL_SECONDS);
  });
});
