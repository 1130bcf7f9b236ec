import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { InvalidCursorError } from "../../../functions/shared/chat-errors";
import { decodeCursor, directConversation, encodeCursor, MessageArchive, roomConversation, sortKey } from "../../../functions/shared/chat-history";
import type { TableBinding } from "../../../functions/shared/table-binding";
import { setBaseEnvironment } from "../support";

setBaseEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const binding: TableBinding = { variable: "MESSAGES_TABLE", tableName: "messages", ttlAttribute: "expiresAt", indexes: [] };
const archive = new MessageArchive(documents, binding, 30);

const MESSAGE_ID = "0b1e3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d";
const KEY = sortKey("2025-01-02T03:04:05.678Z", MESSAGE_ID);

beforeEach(() => {
  dynamo.reset();
});

describe("conversation keys", () => {
  it("does give both users of a conversation the same key whichever asks", () => {
    // act
    const fromAlice = directConversation("alice", "bob");
    const fromBob = directConversation("bob", "alice");
    // assess
    expect(fromAlice).toBe("dm:alice:bob");
    expect(fromBob).toBe(fromAlice);
  });

  it("does keep two different pairs apart when a user id contains the separator", () => {
    // act
    const forged = directConversation("a:b", "c");
    const honest = directConversation("a", "b:c");
    // assess
    expect(forged).not.toBe(honest);
  });

  it("does hash the key, still the same for both users, when escaped ids would pass DynamoDB's key limit", () => {
    // prepare
    const long = "😀".repeat(128);
    // act
    const key = directConversation(long, "bob");
    // assess
    expect(key).toMatch(/^dmh:[0-9a-f]{64}$/);
    expect(directConversation("bob", long)).toBe(key);
    expect(directConversation(long, "carol")).not.toBe(key);
  });

  it("does give a room and a conversation different partitions when their names look alike", () => {
    // assess
    expect(roomConversation("dm")).not.toBe(directConversation("dm", "dm"));
  });
});

describe("cursors", () => {
  it("does decode to the sort key it was made from when given back for the same conversation", () => {
    // prepare
    const cursor = encodeCursor("room:general", KEY);
    // act
    const before = decodeCursor(cursor, "room:general");
    // assess
    expect(before).toBe(KEY);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("does decode the cursor of a conversation between the longest, most escaped user ids", () => {
    // prepare
    const conversation = directConversation("é".repeat(128), "/".repeat(128));
    const cursor = encodeCursor(conversation, KEY);
    // act
    const before = decodeCursor(cursor, conversation);
    // assess
    expect(before).toBe(KEY);
  });

  it.each([
    ["is another room's", encodeCursor("room:secret", KEY)],
    ["is another conversation's", encodeCursor("dm:alice:carol", KEY)],
    ["is not base64url", "not a cursor!"],
    ["is empty", ""],
    ["is base64 of something that is not JSON", Buffer.from("hello").toString("base64url")],
    ["is a JSON array", Buffer.from("[1]").toString("base64url")],
    ["has an extra field", Buffer.from(JSON.stringify({ c: "room:general", s: KEY, x: 1 })).toString("base64url")],
    ["has a sort key of another shape", encodeCursor("room:general", "9999")],
    ["is padded base64", `${encodeCursor("room:general", KEY)}==`],
  ])("does refuse with INVALID_CURSOR when the cursor %s", (_name, cursor) => {
    // act
    const act = () => decodeCursor(cursor, "room:general");
    // assess
    expect(act).toThrow(InvalidCursorError);
  });

  it("does refuse every tampered cursor when any character of a valid one is changed", () => {
    const cursor = encodeCursor("room:general", KEY);
    fc.assert(
      fc.property(fc.nat({ max: cursor.length - 1 }), fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), (position, replacement) => {
        // prepare
        fc.pre(cursor[position] !== replacement);
        const tampered = cursor.slice(0, position) + replacement + cursor.slice(position + 1);
        // act
        let decoded: string | undefined;
        try {
          decoded = decodeCursor(tampered, "room:general");
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidCursorError);
        }
        // assess: a change that still decodes names a sort key of the same conversation, never another partition
        if (decoded !== undefined) expect(encodeCursor("room:general", decoded)).toBe(tampered);
      }),
    );
  });

  it("does only ever yield a sort key of the asked conversation when given any string", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.base64String()), (cursor) => {
        // act
        try {
          const before = decodeCursor(cursor, "room:general");
          // assess
          expect(encodeCursor("room:general", before)).toBe(cursor);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidCursorError);
        }
      }),
    );
  });
});

describe("MessageArchive", () => {
  it("does store a message under its conversation, sorted by time, expiring after the retention", async () => {
    // prepare
    dynamo.on(PutCommand).resolves({});
    const message = { messageId: MESSAGE_ID, userId: "alice", username: "Alice", message: "Hello", timestamp: "2025-01-02T03:04:05.678Z", roomId: "general" };
    // act
    await archive.store("room:general", message);
    // assess
    expect(dynamo.commandCalls(PutCommand)[0].args[0].input).toEqual({
      TableName: "messages",
      Item: { conversationKey: "room:general", sortKey: KEY, ...message, expiresAt: Math.floor(Date.parse(message.timestamp) / 1000) + 30 * 86_400 },
    });
  });

  it("does read the newest page backwards and give it oldest first with a cursor when there are more", async () => {
    // prepare
    const items = [3, 2].map((second) => ({
      conversationKey: "room:general",
      sortKey: sortKey(`2025-01-02T03:04:0${second}.000Z`, MESSAGE_ID),
      messageId: MESSAGE_ID,
      userId: "alice",
      username: "Alice",
      message: `m${second}`,
      timestamp: `2025-01-02T03:04:0${second}.000Z`,
      roomId: "general",
      expiresAt: 1,
    }));
    dynamo.on(QueryCommand).resolves({ Items: items, LastEvaluatedKey: { conversationKey: "room:general", sortKey: items[1].sortKey } });
    // act
    const page = await archive.page("room:general", 2, KEY);
    // assess
    expect(dynamo.commandCalls(QueryCommand)[0].args[0].input).toMatchObject({
      TableName: "messages",
      KeyConditionExpression: "#c = :c AND #s < :before",
      ExpressionAttributeValues: { ":c": "room:general", ":before": KEY },
      ScanIndexForward: false,
      Limit: 2,
    });
    expect(page.messages.map((message) => message.message)).toEqual(["m2", "m3"]);
    expect(page.messages[0]).not.toHaveProperty("expiresAt");
    expect(decodeCursor(page.nextBefore!, "room:general")).toBe(items[1].sortKey);
  });

  it("does answer a null cursor when the conversation has no older messages", async () => {
    // prepare
    dynamo.on(QueryCommand).resolves({ Items: [] });
    // act
    const page = await archive.page("dm:alice:bob", 50);
    // assess
    expect(page).toEqual({ messages: [], nextBefore: null });
    expect(dynamo.commandCalls(QueryCommand)[0].args[0].input.KeyConditionExpression).toBe("#c = :c");
    // DynamoDB refuses an attribute name that no expression uses
    expect(dynamo.commandCalls(QueryCommand)[0].args[0].input.ExpressionAttributeNames).toEqual({ "#c": "conversationKey" });
  });
});
