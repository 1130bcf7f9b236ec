import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { encodeCursor, sortKey } from "../../functions/shared/chat-history";
import { CONNECTING_GRACE_MS } from "../../functions/shared/connection-store";
import type { WebSocketEvent, WebSocketResult } from "../../functions/shared/websocket-event";
import { startManagementStub, type ManagementStub } from "./management-stub";
import { DOMAIN_NAME, freezeClockForEachTest, SENDER, setBaseEnvironment, webSocketEvent } from "./support";

const MAX_LENGTH = 40;
setBaseEnvironment({
  MESSAGE_TYPE_FIELD: "type",
  CONNECTIONS_TABLE: "connections",
  CONNECTIONS_TABLE_TTL_ATTRIBUTE: "expiresAt",
  CONNECTIONS_TABLE_INDEXES: "roomId-index:roomId,userId-index:userId",
  ROOMS_TABLE: "rooms",
  ROOMS_TABLE_INDEXES: "listed-index:listed:roomId",
  MESSAGES_TABLE: "messages",
  MESSAGES_TABLE_TTL_ATTRIBUTE: "expiresAt",
  MAX_MESSAGE_LENGTH: String(MAX_LENGTH),
});
const dynamo = mockClient(DynamoDBDocumentClient);
let management: ManagementStub;

let handler: (event: WebSocketEvent) => Promise<WebSocketResult>;
const NOW = new Date("2025-01-02T03:04:05.678Z");
const TIMESTAMP = NOW.toISOString();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const sender = {
  connectionId: SENDER,
  roomId: "general",
  userId: "alice",
  username: "Alice",
  connectedAt: NOW.getTime() - 60_000,
  rateTokens: 10,
  rateRefilledAt: NOW.getTime() - 60_000,
  rateVersion: 4,
  expiresAt: 1_800_000_000,
};

function member(connectionId: string, userId: string): { connectionId: string; userId: string; username: string } {
  return { connectionId, userId, username: userId.toUpperCase() };
}

function conflict(): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
}

function roomQuery(roomId: string, items: Record<string, unknown>[]): void {
  dynamo.on(QueryCommand, { IndexName: "roomId-index", ExpressionAttributeValues: { ":value": roomId } }).resolves({ Items: items });
}

/** Alice in general with Bob; Carol in developers; Bob has two connections; the archive is empty. */
function arrangeWorld(record: Record<string, unknown> = sender): void {
  dynamo.reset();
  management?.reset();
  dynamo.on(GetCommand).resolves({ Item: record });
  dynamo.on(UpdateCommand).resolves({ Attributes: { members: 1 } });
  dynamo.on(PutCommand).resolves({});
  dynamo.on(DeleteCommand).resolves({});
  dynamo.on(QueryCommand).resolves({ Items: [] });
  roomQuery("general", [member(SENDER, "alice"), member("bob-1=", "bob")]);
  roomQuery("developers", [member("carol=", "carol")]);
  dynamo.on(QueryCommand, { IndexName: "userId-index", ExpressionAttributeValues: { ":value": "bob" } }).resolves({ Items: [member("bob-1=", "bob"), member("bob-2=", "bob")] });
}

function send(body: unknown, requestId = "req-1"): Promise<WebSocketResult> {
  return handler(webSocketEvent({ body: typeof body === "string" ? body : JSON.stringify(body), requestId, routeKey: "chat" }));
}

function stored(): Record<string, unknown>[] {
  return dynamo.commandCalls(PutCommand).map((call) => call.args[0].input.Item as Record<string, unknown>);
}

/** The single error reply that was posted, checked to be to the sender, with nothing stored. */
function onlyError(): { type: string; code: string; message: string } {
  const posts = management.byRecipient();
  expect(posts).toHaveLength(1);
  expect(posts[0].connectionId).toBe(SENDER);
  expect(stored()).toHaveLength(0);
  return posts[0].message as { type: string; code: string; message: string };
}

beforeAll(async () => {
  management = await startManagementStub(DOMAIN_NAME);
  ({ handler } = await import("../../functions/chat-message/index"));
});

afterAll(() => management.close());

freezeClockForEachTest(NOW, arrangeWorld);

describe("chat", () => {
  it("does store the message and send it to everyone in the room, the sender included", async () => {
    // act
    const result = await send({ type: "chat", message: "Hello" });
    // assess
    expect(result.statusCode).toBe(200);
    const [item] = stored();
    expect(item).toMatchObject({ conversationKey: "room:general", userId: "alice", username: "Alice", message: "Hello", roomId: "general", timestamp: TIMESTAMP });
    expect(item.messageId).toMatch(UUID);
    expect(item.sortKey).toBe(sortKey(TIMESTAMP, item.messageId as string));
    const expected = { type: "chat", roomId: "general", messageId: item.messageId, userId: "alice", username: "Alice", message: "Hello", timestamp: TIMESTAMP };
    expect(management.byRecipient()).toEqual([
      { connectionId: "bob-1=", message: expected },
      { connectionId: SENDER, message: expected },
    ]);
  });

  it("does take the sender from the connection record and not from the body when the body names someone else", async () => {
    // act
    await send({ type: "chat", message: "Hello", userId: "mallory", username: "Mallory", roomId: "developers" });
    // assess
    expect(stored()[0]).toMatchObject({ userId: "alice", username: "Alice", roomId: "general" });
  });

  it("does remove a member with its room membership, and tell the room it left, when it answers 410", async () => {
    // prepare
    management.answers.set("bob-1=", 410);
    dynamo.on(DeleteCommand, { Key: { connectionId: "bob-1=" } }).resolves({ Attributes: { connectionId: "bob-1=", roomId: "general", userId: "bob" } });
    // act
    await send({ type: "chat", message: "Hello" });
    // assess
    expect(dynamo.commandCalls(DeleteCommand).map((call) => call.args[0].input)).toEqual([
      expect.objectContaining({ TableName: "connections", Key: { connectionId: "bob-1=" }, ReturnValues: "ALL_OLD", ExpressionAttributeValues: { ":beforeMs": NOW.getTime() - CONNECTING_GRACE_MS, ":beforeIso": new Date(NOW.getTime() - CONNECTING_GRACE_MS).toISOString() } }),
    ]);
    const decrements = dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input).filter((input) => input.TableName === "rooms");
    expect(decrements).toEqual([expect.objectContaining({ Key: { roomId: "general" }, UpdateExpression: "ADD members :minusOne" })]);
    // no $disconnect will tell the room, so the post that found it gone does
    const userLeft = management.byRecipient().filter((post) => (post.message as { type?: string }).type === "user_left");
    expect(userLeft).toEqual([{ connectionId: SENDER, message: expect.objectContaining({ type: "user_left", roomId: "general", userId: "bob" }) }]);
  });

  it("does keep a member that answers 410 while its record is young enough to be still connecting, and tell nobody it left", async () => {
    // prepare: the conditional delete finds the record written within the grace
    management.answers.set("bob-1=", 410);
    dynamo.on(DeleteCommand, { Key: { connectionId: "bob-1=" } }).rejects(new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} }));
    // act
    const result = await send({ type: "chat", message: "Hello" });
    // assess
    expect(result.statusCode).toBe(200);
    expect(dynamo.commandCalls(UpdateCommand).filter((call) => call.args[0].input.TableName === "rooms")).toHaveLength(0);
    expect(management.byRecipient().filter((post) => (post.message as { type?: string }).type === "user_left")).toEqual([]);
    expect(management.byRecipient().find((post) => post.connectionId === SENDER)?.message).toMatchObject({ type: "chat", message: "Hello" });
  });

  it("does answer NOT_IN_ROOM and store nothing when the connection left every room", async () => {
    // prepare
    const { roomId: _roomId, ...roomless } = sender;
    arrangeWorld(roomless);
    // act
    await send({ type: "chat", message: "Hello" });
    // assess
    expect(onlyError()).toMatchObject({ type: "error", code: "NOT_IN_ROOM" });
  });
});

describe("join_room", () => {
  it("does move the connection, tell both rooms, and give the joiner members and the last 50 messages oldest first", async () => {
    // prepare
    dynamo.on(UpdateCommand, { TableName: "connections", UpdateExpression: "SET #room = :room" }).resolves({ Attributes: { roomId: "general" } });
    const older = { messageId: "m1", userId: "carol", username: "CAROL", message: "first", timestamp: "2025-01-01T00:00:00.000Z", roomId: "developers" };
    const newer = { ...older, messageId: "m2", message: "second", timestamp: "2025-01-01T00:00:01.000Z" };
    dynamo.on(QueryCommand, { TableName: "messages" }).resolves({ Items: [newer, older] });
    // act
    await send({ type: "join_room", roomId: "developers" });
    // assess
    expect(dynamo.commandCalls(QueryCommand, { TableName: "messages" })[0].args[0].input).toMatchObject({ Limit: 50, ScanIndexForward: false, ExpressionAttributeValues: { ":c": "room:developers" } });
    const chat = (message: typeof older) => ({ type: "chat", ...message });
    expect(management.byRecipient()).toEqual([
      { connectionId: "bob-1=", message: { type: "user_left", roomId: "general", userId: "alice", username: "Alice", timestamp: TIMESTAMP } },
      { connectionId: "carol=", message: { type: "user_joined", roomId: "developers", userId: "alice", username: "Alice", timestamp: TIMESTAMP } },
      {
        connectionId: SENDER,
        message: {
          type: "room_joined",
          roomId: "developers",
          members: [
            { userId: "carol", username: "CAROL" },
            { userId: "alice", username: "Alice" },
          ],
          history: [chat(older), chat(newer)],
          timestamp: TIMESTAMP,
        },
      },
    ]);
    const rooms = dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input).filter((input) => input.TableName === "rooms");
    expect(rooms.map((input) => [input.Key, input.UpdateExpression])).toEqual([
      [{ roomId: "developers" }, "ADD members :one SET #listed = :listed"],
      [{ roomId: "general" }, "ADD members :minusOne"],
    ]);
  });

  it("does tell no one and count nothing when the connection joins the room it is in", async () => {
    // prepare
    dynamo.on(UpdateCommand, { TableName: "connections", UpdateExpression: "SET #room = :room" }).resolves({ Attributes: { roomId: "general" } });
    // act
    await send({ type: "join_room", roomId: "general" });
    // assess
    expect(management.byRecipient()).toEqual([
      {
        connectionId: SENDER,
        message: {
          type: "room_joined",
          roomId: "general",
          members: [
            { userId: "alice", username: "ALICE" },
            { userId: "bob", username: "BOB" },
          ],
          history: [],
          timestamp: TIMESTAMP,
        },
      },
    ]);
    expect(dynamo.commandCalls(UpdateCommand).filter((call) => call.args[0].input.TableName === "rooms")).toHaveLength(0);
  });

  it("does answer INVALID_ROOM_ID and move nothing when the room id is malformed", async () => {
    // act
    await send({ type: "join_room", roomId: "../admin" });
    // assess
    expect(onlyError()).toMatchObject({ code: "INVALID_ROOM_ID" });
    expect(dynamo.commandCalls(UpdateCommand).filter((call) => call.args[0].input.UpdateExpression === "SET #room = :room")).toHaveLength(0);
  });
});

describe("leave_room", () => {
  it("does tell the room's others user_left and the leaver room_left", async () => {
    // prepare
    dynamo.on(UpdateCommand, { TableName: "connections", UpdateExpression: "REMOVE #room" }).resolves({ Attributes: { roomId: "general" } });
    // act
    await send({ type: "leave_room" });
    // assess
    expect(management.byRecipient()).toEqual([
      { connectionId: "bob-1=", message: { type: "user_left", roomId: "general", userId: "alice", username: "Alice", timestamp: TIMESTAMP } },
      { connectionId: SENDER, message: { type: "room_left", roomId: "general", timestamp: TIMESTAMP } },
    ]);
  });

  it("does answer NOT_IN_ROOM when the connection is in no room", async () => {
    // prepare
    dynamo.on(UpdateCommand, { TableName: "connections", UpdateExpression: "REMOVE #room" }).rejects(conflict());
    // act
    await send({ type: "leave_room" });
    // assess
    expect(onlyError()).toMatchObject({ code: "NOT_IN_ROOM" });
  });
});

describe("private_message", () => {
  it("does store it under the pair's conversation, deliver it to every connection of the target and tell the sender how many", async () => {
    // act
    await send({ type: "private_message", targetUserId: "bob", message: "psst" });
    // assess
    const [item] = stored();
    expect(item).toMatchObject({ conversationKey: "dm:alice:bob", userId: "alice", targetUserId: "bob", message: "psst" });
    const delivered = { type: "private_message", messageId: item.messageId, fromUserId: "alice", fromUsername: "Alice", targetUserId: "bob", message: "psst", timestamp: TIMESTAMP };
    expect(management.byRecipient()).toEqual([
      { connectionId: "bob-1=", message: delivered },
      { connectionId: "bob-2=", message: delivered },
      { connectionId: SENDER, message: { type: "private_message_sent", messageId: item.messageId, targetUserId: "bob", delivered: 2, timestamp: TIMESTAMP } },
    ]);
  });

  it("does keep it for history and report 0 delivered when the target is offline", async () => {
    // act
    await send({ type: "private_message", targetUserId: "dave", message: "later" });
    // assess
    expect(stored()).toEqual([expect.objectContaining({ conversationKey: "dm:alice:dave" })]);
    expect(management.byRecipient()).toEqual([{ connectionId: SENDER, message: expect.objectContaining({ type: "private_message_sent", delivered: 0 }) }]);
  });
});

describe("room_list", () => {
  it("does list the rooms with members from the sparse index without a Scan", async () => {
    // prepare
    dynamo.on(QueryCommand, { IndexName: "listed-index" }).resolves({ Items: [{ roomId: "general", members: 2 }, { roomId: "developers", members: 1 }] });
    // act
    await send({ type: "room_list" });
    // assess
    expect(management.byRecipient()).toEqual([
      {
        connectionId: SENDER,
        message: {
          type: "room_list",
          rooms: [
            { roomId: "developers", members: 1 },
            { roomId: "general", members: 2 },
          ],
          timestamp: TIMESTAMP,
        },
      },
    ]);
    expect(dynamo.commandCalls(ScanCommand)).toHaveLength(0);
  });
});

describe("typing_indicator", () => {
  it("does tell only the others in the room and store nothing", async () => {
    // act
    await send({ type: "typing_indicator", isTyping: true });
    // assess
    expect(management.byRecipient()).toEqual([
      { connectionId: "bob-1=", message: { type: "typing_indicator", roomId: "general", userId: "alice", username: "Alice", isTyping: true, timestamp: TIMESTAMP } },
    ]);
    expect(stored()).toHaveLength(0);
  });
});

describe("history", () => {
  const item = (second: number) => ({
    conversationKey: "room:general",
    sortKey: sortKey(`2025-01-01T00:00:0${second}.000Z`, "0b1e3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"),
    messageId: `m${second}`,
    userId: "bob",
    username: "BOB",
    message: `text ${second}`,
    timestamp: `2025-01-01T00:00:0${second}.000Z`,
    roomId: "general",
  });

  it("does page the current room oldest first with a cursor to the page before when there are more", async () => {
    // prepare
    dynamo.on(QueryCommand, { TableName: "messages" }).resolves({ Items: [item(3), item(2)], LastEvaluatedKey: { conversationKey: "room:general", sortKey: item(2).sortKey } });
    // act
    await send({ type: "history", limit: 2 });
    // assess
    const [reply] = management.byRecipient();
    expect(reply.message).toMatchObject({ type: "history", roomId: "general", nextBefore: encodeCursor("room:general", item(2).sortKey) });
    expect((reply.message as { messages: { messageId: string }[] }).messages.map((message) => message.messageId)).toEqual(["m2", "m3"]);
  });

  it("does read before the cursor's key when given a cursor of the same room", async () => {
    // prepare
    const cursor = encodeCursor("room:general", item(2).sortKey);
    // act
    await send({ type: "history", roomId: "general", before: cursor });
    // assess
    expect(dynamo.commandCalls(QueryCommand, { TableName: "messages" })[0].args[0].input).toMatchObject({ Limit: 50, ExpressionAttributeValues: { ":c": "room:general", ":before": item(2).sortKey } });
    expect(management.byRecipient()[0].message).toEqual({ type: "history", roomId: "general", messages: [], nextBefore: null, timestamp: TIMESTAMP });
  });

  it("does page only the caller's own conversation with withUserId", async () => {
    // act
    await send({ type: "history", withUserId: "bob" });
    // assess
    expect(dynamo.commandCalls(QueryCommand, { TableName: "messages" })[0].args[0].input.ExpressionAttributeValues).toEqual({ ":c": "dm:alice:bob" });
    expect(management.byRecipient()[0].message).toEqual({ type: "history", withUserId: "bob", messages: [], nextBefore: null, timestamp: TIMESTAMP });
  });

  it.each([
    ["another room's cursor", { type: "history", roomId: "general", before: encodeCursor("room:secret", sortKey(TIMESTAMP, "0b1e3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d")) }],
    ["another conversation's cursor", { type: "history", withUserId: "bob", before: encodeCursor("dm:bob:carol", sortKey(TIMESTAMP, "0b1e3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d")) }],
    ["a cursor that is no cursor", { type: "history", before: "garbage!" }],
  ])("does answer INVALID_CURSOR and read nothing when given %s", async (_name, body) => {
    // act
    await send(body);
    // assess
    expect(onlyError()).toMatchObject({ code: "INVALID_CURSOR" });
    expect(dynamo.commandCalls(QueryCommand, { TableName: "messages" })).toHaveLength(0);
  });
});

describe("errors", () => {
  it.each([
    ["INVALID_JSON", "{not json"],
    ["INVALID_MESSAGE", "[1,2]"],
    ["INVALID_MESSAGE", { type: "chat", message: 42 }],
    ["UNKNOWN_TYPE", { type: "shout", message: "hi" }],
    ["MESSAGE_TOO_LONG", { type: "chat", message: "x".repeat(MAX_LENGTH + 1) }],
    ["EMPTY_MESSAGE", { type: "chat", message: "   " }],
    ["INVALID_ROOM_ID", { type: "history", roomId: "no spaces" }],
  ])("does answer %s on the same connection and store or send nothing else when the message is %j", async (code, body) => {
    // act
    const result = await send(body);
    // assess
    expect(onlyError()).toMatchObject({ type: "error", code });
    expect(result.statusCode).toBe(400);
  });

  it("does name the types that exist when the type is unknown", async () => {
    // act
    await send({ type: "shout" });
    // assess
    expect(onlyError().message).toContain("chat, join_room, leave_room, private_message, room_list, typing_indicator, history");
  });

  it("does answer RATE_LIMITED and send nothing when the bucket is empty", async () => {
    // prepare
    arrangeWorld({ ...sender, rateTokens: 0, rateRefilledAt: NOW.getTime() });
    // act
    const result = await send({ type: "chat", message: "spam" });
    // assess
    expect(onlyError()).toMatchObject({ code: "RATE_LIMITED" });
    expect(result.statusCode).toBe(429);
  });

  it("does let a burst of 10 through and limit the 11th when they arrive at once", async () => {
    // prepare
    let state = { ...sender, rateTokens: 10, rateRefilledAt: NOW.getTime() };
    dynamo.on(GetCommand).callsFake(() => ({ Item: state }));
    dynamo.on(UpdateCommand, { TableName: "connections", ConditionExpression: "rateVersion = :seen" }).callsFake((input) => {
      const values = input.ExpressionAttributeValues;
      state = { ...state, rateTokens: values[":tokens"], rateRefilledAt: values[":at"], rateVersion: values[":next"] };
      return {};
    });
    // act
    for (let index = 0; index < 11; index += 1) await send({ type: "typing_indicator", isTyping: true });
    // assess
    const codes = management.byRecipient().map((post) => (post.message as { code?: string }).code).filter(Boolean);
    expect(codes).toEqual(["RATE_LIMITED"]);
  });

  it("does answer NOT_CONNECTED when the connection has no record", async () => {
    // prepare
    dynamo.on(GetCommand).resolves({});
    // act
    await send({ type: "chat", message: "hi" });
    // assess
    expect(onlyError()).toMatchObject({ code: "NOT_CONNECTED" });
  });

  it("does answer INTERNAL_ERROR naming the request id when DynamoDB fails", async () => {
    // prepare
    dynamo.on(PutCommand).rejects(new Error("DynamoDB unavailable"));
    // act
    const result = await send({ type: "chat", message: "hi" }, "req-42");
    // assess
    const posts = management.byRecipient();
    expect(posts).toEqual([{ connectionId: SENDER, message: { type: "error", code: "INTERNAL_ERROR", message: expect.stringContaining("req-42"), timestamp: TIMESTAMP } }]);
    expect(result.statusCode).toBe(500);
  });
});

describe("any message a client can send", () => {
  const field = fc.oneof(
    { weight: 1, arbitrary: fc.jsonValue() },
    { weight: 2, arbitrary: fc.string({ maxLength: MAX_LENGTH + 5 }) },
    { weight: 3, arbitrary: fc.constantFrom("general", "developers", "bob", "", " \n", "x".repeat(MAX_LENGTH + 1), "😀".repeat(MAX_LENGTH)) },
  );
  const messageLike = fc.record(
    {
      type: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom("chat", "join_room", "leave_room", "private_message", "room_list", "typing_indicator", "history", "error", "__proto__") },
        { weight: 1, arbitrary: fc.jsonValue() },
      ),
      message: field,
      roomId: field,
      targetUserId: field,
      isTyping: fc.oneof(fc.boolean(), fc.jsonValue()),
      withUserId: field,
      before: fc.oneof(field, fc.constant(encodeCursor("room:general", sortKey(TIMESTAMP, "0b1e3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d")))),
      limit: fc.oneof(fc.integer({ min: -5, max: 120 }), fc.jsonValue()),
    },
    { requiredKeys: ["type"] },
  );
  const body = fc.oneof(
    { weight: 6, arbitrary: messageLike.map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: fc.string() },
  );

  it("does yield exactly one error reply or only the specified messages, never an exception, never a stored invalid message", async () => {
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        // prepare
        arrangeWorld();
        // act
        const result = await handler(webSocketEvent({ body: text, routeKey: "$default" }));
        // assess
        const posts = management.byRecipient();
        const errors = posts.filter((post) => (post.message as { type?: string }).type === "error");
        if (errors.length > 0) {
          expect(posts).toHaveLength(1);
          expect(errors[0].connectionId).toBe(SENDER);
          expect(stored()).toHaveLength(0);
          expect(result.statusCode).toBeGreaterThanOrEqual(400);
          expect(["INVALID_JSON", "INVALID_MESSAGE", "UNKNOWN_TYPE", "MESSAGE_TOO_LONG", "EMPTY_MESSAGE", "INVALID_ROOM_ID", "NOT_IN_ROOM", "INVALID_CURSOR"]).toContain(
            (errors[0].message as { code: string }).code,
          );
        } else {
          expect(result.statusCode).toBe(200);
          const kinds = ["chat", "user_left", "user_joined", "room_joined", "room_left", "private_message", "private_message_sent", "room_list", "typing_indicator", "history"];
          for (const post of posts) expect(kinds).toContain((post.message as { type: string }).type);
          for (const item of stored()) {
            expect(typeof item.message).toBe("string");
            expect((item.message as string).trim()).not.toBe("");
            expect([...(item.message as string)].length).toBeLessThanOrEqual(MAX_LENGTH);
            expect(item.userId).toBe("alice");
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("chat-message cold start", () => {
  it("does fail to load when the connections table is bound without its index on userId", async () => {
    // prepare
    vi.resetModules();
    const indexes = process.env.CONNECTIONS_TABLE_INDEXES;
    process.env.CONNECTIONS_TABLE_INDEXES = "roomId-index:roomId";
    // act
    const loading = import("../../functions/chat-message/index");
    // assess
    await expect(loading).rejects.toThrow("has no index on userId");
    process.env.CONNECTIONS_TABLE_INDEXES = indexes;
  });

  it("does fail to load when the messages table is bound without its TTL attribute", async () => {
    // prepare
    vi.resetModules();
    delete process.env.MESSAGES_TABLE_TTL_ATTRIBUTE;
    // act
    const loading = import("../../functions/chat-message/index");
    // assess
    await expect(loading).rejects.toThrow("MESSAGES_TABLE_TTL_ATTRIBUTE is not set");
    process.env.MESSAGES_TABLE_TTL_ATTRIBUTE = "expiresAt";
  });
});
