import { DeleteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { WebSocketEvent, WebSocketResult } from "../../functions/shared/websocket-event";
import { setBaseEnvironment, webSocketEvent } from "./support";

const TTL_SECONDS = 10_800;
setBaseEnvironment({
  CONNECTIONS_TABLE: "connections",
  CONNECTIONS_TABLE_TTL_ATTRIBUTE: "expiresAt",
  CONNECTIONS_TABLE_INDEXES: "roomId-index:roomId,userId-index:userId",
  ROOMS_TABLE: "rooms",
  ROOMS_TABLE_INDEXES: "listed-index:listed:roomId",
  CONNECTION_TTL_SECONDS: String(TTL_SECONDS),
});
const dynamo = mockClient(DynamoDBDocumentClient);

let handler: (event: WebSocketEvent) => Promise<WebSocketResult>;

const NOW = new Date("2025-01-02T03:04:05.678Z");

function connectEvent(queryStringParameters?: Record<string, string>, authorizer?: Record<string, unknown> | null): WebSocketEvent {
  return webSocketEvent({ eventType: "CONNECT", routeKey: "$connect", connectionId: "new-conn", queryStringParameters, authorizer });
}

function storedItems(): unknown[] {
  return dynamo.commandCalls(PutCommand).map((call) => call.args[0].input.Item);
}

function roomJoins(): unknown[] {
  return dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input.Key);
}

beforeAll(async () => {
  ({ handler } = await import("../../functions/chat-connect/index"));
});

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
  dynamo.reset();
  dynamo.on(PutCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
});

afterEach(() => {
  vi.useRealTimers();
});

describe("chat-connect handler", () => {
  it("does store the connection in general under the token's username with a full bucket when the query is empty", async () => {
    // act
    const result = await handler(connectEvent());
    // assess
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body ?? "")).toEqual({ roomId: "general", userId: "alice", username: "alice" });
    expect(storedItems()).toEqual([
      {
        connectionId: "new-conn",
        roomId: "general",
        userId: "alice",
        username: "alice",
        connectedAt: NOW.getTime(),
        rateTokens: 10,
        rateRefilledAt: NOW.getTime(),
        rateVersion: 0,
        expiresAt: Math.floor(NOW.getTime() / 1000) + TTL_SECONDS,
      },
    ]);
    expect(roomJoins()).toEqual([{ roomId: "general" }]);
  });

  it("does keep the asked room and the trimmed display name when both are valid", async () => {
    // act
    const result = await handler(connectEvent({ roomId: "developers", username: "  Alice A.  ", userId: "alice" }));
    // assess
    expect(result.statusCode).toBe(200);
    expect(storedItems()).toEqual([expect.objectContaining({ roomId: "developers", userId: "alice", username: "Alice A." })]);
    expect(roomJoins()).toEqual([{ roomId: "developers" }]);
  });

  it("does refuse with 403 USER_MISMATCH and store nothing when the query names another user", async () => {
    // act
    const result = await handler(connectEvent({ userId: "mallory" }));
    // assess
    expect(result.statusCode).toBe(403);
    expect(JSON.parse(result.body ?? "")).toMatchObject({ code: "USER_MISMATCH" });
    expect(storedItems()).toHaveLength(0);
    expect(roomJoins()).toHaveLength(0);
  });

  it("does refuse the token's sub as the chat user id, since chat users are usernames", async () => {
    // act
    const result = await handler(connectEvent({ userId: "user-alice" }));
    // assess
    expect(result.statusCode).toBe(403);
  });

  it.each([
    ["has a space", "dev team"],
    ["is empty", ""],
    ["is 65 characters", "r".repeat(65)],
    ["climbs with ../", "../x"],
  ])("does refuse with 400 INVALID_ROOM_ID when the room %s", async (_name, roomId) => {
    // act
    const result = await handler(connectEvent({ roomId }));
    // assess
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body ?? "")).toMatchObject({ code: "INVALID_ROOM_ID" });
    expect(storedItems()).toHaveLength(0);
  });

  it.each([
    ["is blank", "   "],
    ["is 33 characters", "n".repeat(33)],
  ])("does refuse with 400 INVALID_USERNAME when the display name %s", async (_name, username) => {
    // act
    const result = await handler(connectEvent({ username }));
    // assess
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body ?? "")).toMatchObject({ code: "INVALID_USERNAME" });
  });

  it("does refuse with 401 UNAUTHENTICATED when there is no authorizer context", async () => {
    // act
    const result = await handler(connectEvent(undefined, null));
    // assess
    expect(result.statusCode).toBe(401);
    expect(storedItems()).toHaveLength(0);
  });

  it("does reject, refusing the connection, and take its record back when the room count cannot be updated", async () => {
    // prepare
    dynamo.on(UpdateCommand).rejects(new Error("DynamoDB unavailable"));
    dynamo.on(DeleteCommand).resolves({});
    // act
    const outcome = handler(connectEvent());
    // assess
    await expect(outcome).rejects.toThrow("DynamoDB unavailable");
    expect(dynamo.commandCalls(DeleteCommand).map((call) => call.args[0].input)).toEqual([{ TableName: "connections", Key: { connectionId: "new-conn" } }]);
  });

  it("does either store the room asked for or answer 400 when a client asks for any room", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/)), async (roomId) => {
        // prepare
        dynamo.resetHistory();
        // act
        const result = await handler(connectEvent({ roomId }));
        // assess
        if (/^[A-Za-z0-9_-]{1,64}$/.test(roomId)) {
          expect(result.statusCode).toBe(200);
          expect(storedItems()).toEqual([expect.objectContaining({ roomId })]);
        } else {
          expect(result.statusCode).toBe(400);
          expect(storedItems()).toHaveLength(0);
          expect(roomJoins()).toHaveLength(0);
        }
      }),
      { numRuns: 150 },
    );
  });
});
