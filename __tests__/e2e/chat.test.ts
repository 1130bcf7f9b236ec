import { join as joinPath } from "node:path";
import { rmSync } from "node:fs";
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import WebSocket from "ws";
import { LOCAL_CREDENTIALS } from "../../local/services/credentials";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, type LocalRuntime } from "../../local/runtime";
import { ChatStack } from "../../stacks/chat-stack";
import { idToken, openJsonClient, type JsonClient } from "./json-client";
import { prepareProject } from "./support";

let root: string;
let runtime: LocalRuntime;

beforeAll(async () => {
  root = prepareProject((app) => [new ChatStack(app, "chat", { region: "us-east-1" })]);
  runtime = await startRuntime({ outDir: joinPath(root, "cdktf.out"), log: () => undefined, prewarm: "wait" });
});

afterAll(async () => {
  await runtime?.close();
  rmSync(root, { recursive: true, force: true });
});

async function tokenFor(username: string): Promise<string> {
  return idToken(runtime, runtime.endpoints.stacks.chat.userPools.users.id, username);
}

async function join(username: string, query: Record<string, string> = {}): Promise<JsonClient> {
  return openJsonClient(runtime.endpoints.stacks.chat.websocket!.url, { token: await tokenFor(username), ...query });
}

/** Writes a connection record that no socket of the gateway stands behind; the client to read the tables with. */
async function recordWithoutSocket(record: { connectionId: string; roomId: string; userId: string; username: string; connectedAt: number }) {
  const dynamodb = new DynamoDBClient({ endpoint: runtime.endpoints.services.dynamodb, region: "us-east-1", credentials: LOCAL_CREDENTIALS });
  const tables = runtime.endpoints.stacks.chat.tables;
  const { connectedAt, ...strings } = record;
  const item = Object.fromEntries(Object.entries(strings).map(([name, value]) => [name, { S: value }]));
  await dynamodb.send(new PutItemCommand({ TableName: tables.connections, Item: { ...item, connectedAt: { N: String(connectedAt) }, expiresAt: { N: "9999999999" } } }));
  return { dynamodb, tables };
}

describe("the chat stack, run locally", () => {
  it("does deliver a chat message to the whole room, the sender included, and keep it for history", async () => {
    // prepare
    const alice = await join("alice", { roomId: "lobby", username: "Alice" });
    const bob = await join("bob", { roomId: "lobby" });
    // act
    alice.send({ type: "chat", message: "Hello" });
    const heard = await bob.next((message) => message.type === "chat");
    const echoed = await alice.next((message) => message.type === "chat");
    alice.send({ type: "history" });
    const history = await alice.next((message) => message.type === "history");
    // assess
    expect(heard).toMatchObject({ type: "chat", roomId: "lobby", userId: "alice", username: "Alice", message: "Hello", messageId: expect.any(String), timestamp: expect.any(String) });
    expect(echoed.messageId).toBe(heard.messageId);
    expect(history).toMatchObject({ type: "history", roomId: "lobby", nextBefore: null, messages: [expect.objectContaining({ messageId: heard.messageId })] });
    alice.close();
    bob.close();
  });

  it("does move a connection between rooms, telling both rooms and giving the joiner members and history", async () => {
    // prepare
    const carol = await join("carol", { roomId: "red" });
    const dave = await join("dave", { roomId: "red" });
    const erin = await join("erin", { roomId: "blue" });
    erin.send({ type: "chat", message: "blue first" });
    await erin.next((message) => message.type === "chat");
    // act
    dave.send({ type: "join_room", roomId: "blue" });
    const joined = await dave.next((message) => message.type === "room_joined");
    const left = await carol.next((message) => message.type === "user_left");
    const arrived = await erin.next((message) => message.type === "user_joined");
    // assess
    expect(joined).toMatchObject({ roomId: "blue", history: [expect.objectContaining({ message: "blue first" })] });
    expect((joined.members as { userId: string }[]).map((member) => member.userId).sort()).toEqual(["dave", "erin"]);
    expect(left).toMatchObject({ roomId: "red", userId: "dave" });
    expect(arrived).toMatchObject({ roomId: "blue", userId: "dave" });
    for (const user of [carol, dave, erin]) user.close();
  });

  it("does send a private message to every connection of its target and tell the sender how many it reached", async () => {
    // prepare
    const frank = await join("frank");
    const gina = await join("gina");
    const ginaAgain = await join("gina");
    // act
    frank.send({ type: "private_message", targetUserId: "gina", message: "psst" });
    const sent = await frank.next((message) => message.type === "private_message_sent");
    const first = await gina.next((message) => message.type === "private_message");
    const second = await ginaAgain.next((message) => message.type === "private_message");
    frank.send({ type: "history", withUserId: "gina" });
    const conversation = await frank.next((message) => message.type === "history");
    // assess
    expect(sent).toMatchObject({ targetUserId: "gina", delivered: 2 });
    expect(first).toMatchObject({ fromUserId: "frank", targetUserId: "gina", message: "psst" });
    expect(second.messageId).toBe(first.messageId);
    expect(conversation).toMatchObject({ withUserId: "gina", messages: [expect.objectContaining({ messageId: first.messageId })] });
    for (const user of [frank, gina, ginaAgain]) user.close();
  });

  it("does list the rooms with members and pass typing indicators to the others only", async () => {
    // prepare
    const hank = await join("hank", { roomId: "typing" });
    const ivy = await join("ivy", { roomId: "typing" });
    // act
    hank.send({ type: "typing_indicator", isTyping: true });
    const typing = await ivy.next((message) => message.type === "typing_indicator");
    // a chat from hank arrives after his typing indicator would have: hank never gets his own indicator
    hank.send({ type: "chat", message: "marker" });
    await hank.next((message) => message.type === "chat");
    hank.send({ type: "room_list" });
    const list = await hank.next((message) => message.type === "room_list");
    // assess
    expect(typing).toMatchObject({ roomId: "typing", userId: "hank", isTyping: true });
    expect(hank.ofType("typing_indicator")).toEqual([]);
    expect(list.rooms).toEqual(expect.arrayContaining([{ roomId: "typing", members: 2 }]));
    hank.close();
    ivy.close();
  });

  it("does answer each bad message with its code on the same connection, and store or send none of them", async () => {
    // prepare
    const judy = await join("judy", { roomId: "errors" });
    const kim = await join("kim", { roomId: "errors" });
    const bad: [unknown, string][] = [
      ["not json", "INVALID_JSON"],
      [[1, 2], "INVALID_MESSAGE"],
      [{ type: "dance" }, "UNKNOWN_TYPE"],
      [{ type: "chat", message: "   " }, "EMPTY_MESSAGE"],
      [{ type: "chat", message: "x".repeat(2001) }, "MESSAGE_TOO_LONG"],
      [{ type: "chat", message: 42 }, "INVALID_MESSAGE"],
      [{ type: "join_room", roomId: "../etc" }, "INVALID_ROOM_ID"],
      [{ type: "history", before: "tampered" }, "INVALID_CURSOR"],
    ];
    // act
    for (const [message] of bad) judy.send(message);
    // then a good message: kim must hear it and nothing before it
    judy.send({ type: "chat", message: "after the errors" });
    await kim.next((message) => message.type === "chat");
    await judy.next((message) => message.type === "chat");
    // Each message is its own invocation, so the replies may come in any order.
    await judy.next(() => judy.ofType("error").length >= bad.length);
    // assess
    expect(judy.ofType("error").map((message) => message.code).sort()).toEqual(bad.map(([, code]) => code).sort());
    expect(kim.ofType("chat").map((message) => message.message)).toEqual(["after the errors"]);
    judy.close();
    kim.close();
  });

  it("does answer NOT_IN_ROOM to a connection that has left its room", async () => {
    // prepare
    const leo = await join("leo", { roomId: "leaving" });
    // act
    leo.send({ type: "leave_room" });
    const left = await leo.next((message) => message.type === "room_left");
    leo.send({ type: "leave_room" });
    const error = await leo.next((message) => message.type === "error");
    // assess
    expect(left).toMatchObject({ roomId: "leaving" });
    expect(error).toMatchObject({ code: "NOT_IN_ROOM" });
    leo.close();
  });

  it("does answer RATE_LIMITED past the connection's burst and send none of the refused messages", async () => {
    // prepare
    const max = await join("max", { roomId: "flood" });
    const nia = await join("nia", { roomId: "flood" });
    // act: 14 messages at once, where the burst is 10
    for (let index = 0; index < 14; index++) max.send({ type: "chat", message: `m${index}` });
    await max.next((message) => message.code === "RATE_LIMITED");
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // after a second a token has come back: this one is heard, and after everything admitted before it
    max.send({ type: "chat", message: "last" });
    await nia.next((message) => message.message === "last");
    // assess
    const heard = nia.ofType("chat").map((message) => message.message);
    const refused = max.ofType("error").filter((message) => message.code === "RATE_LIMITED").length;
    expect(heard.length - 1 + refused).toBe(14);
    expect(heard.length - 1).toBeLessThanOrEqual(11);
    expect(refused).toBeGreaterThanOrEqual(3);
    max.close();
    nia.close();
  });

  it("does remove a vanished connection on the next post to it, and tell its room it left", async () => {
    // prepare: a record whose connection is gone without a $disconnect (a crash), in a room with two live members
    const owen = await join("owen", { roomId: "stale" });
    const pia = await join("pia", { roomId: "stale" });
    const { dynamodb, tables } = await recordWithoutSocket({ connectionId: "vanished=", roomId: "stale", userId: "quinn", username: "Quinn", connectedAt: 0 });
    await dynamodb.send(new UpdateItemCommand({ TableName: tables.rooms, Key: { roomId: { S: "stale" } }, UpdateExpression: "ADD members :one", ExpressionAttributeValues: { ":one": { N: "1" } } }));
    // act
    owen.send({ type: "chat", message: "anyone there?" });
    const left = await pia.next((message) => message.type === "user_left");
    const record = await dynamodb.send(new GetItemCommand({ TableName: tables.connections, Key: { connectionId: { S: "vanished=" } } }));
    owen.send({ type: "room_list" });
    const list = await owen.next((message) => message.type === "room_list");
    dynamodb.destroy();
    // assess
    expect(left).toMatchObject({ roomId: "stale", userId: "quinn", username: "Quinn" });
    expect(record.Item).toBeUndefined();
    expect(list.rooms).toEqual(expect.arrayContaining([{ roomId: "stale", members: 2 }]));
    owen.close();
    pia.close();
  });

  it("does keep a connection that answers 410 while its record is young enough to be still connecting, and tell nobody it left", async () => {
    // prepare: a record written just now for a connection the gateway does not hold yet, as during its $connect
    const rex = await join("rex", { roomId: "connecting" });
    const sam = await join("sam", { roomId: "connecting" });
    const { dynamodb, tables } = await recordWithoutSocket({ connectionId: "connecting=", roomId: "connecting", userId: "tess", username: "Tess", connectedAt: Date.now() });
    // act: the post to it answers 410; a second chat is the marker that the first one's handling is over
    rex.send({ type: "chat", message: "first" });
    rex.send({ type: "chat", message: "marker" });
    await sam.next((message) => message.type === "chat" && message.message === "marker");
    const record = await dynamodb.send(new GetItemCommand({ TableName: tables.connections, Key: { connectionId: { S: "connecting=" } } }));
    dynamodb.destroy();
    // assess
    expect(sam.ofType("user_left")).toEqual([]);
    expect(record.Item?.userId).toEqual({ S: "tess" });
    rex.close();
    sam.close();
  });

  it("does keep every connection that connects into a room while the room is being posted to", async () => {
    // prepare
    const talker = await join("uma", { roomId: "busy" });
    // act: ten handshakes into the room while its talker's messages are being posted to every member
    const joining = Array.from({ length: 10 }, (_, index) => join(`joiner-${index}`, { roomId: "busy" }));
    for (let index = 0; index < 6; index++) talker.send({ type: "chat", message: `spam ${index}` });
    const joiners = await Promise.all(joining);
    const answers = await Promise.all(
      joiners.map((joiner, index) => {
        joiner.send({ type: "chat", message: `here ${index}` });
        return joiner.next((message) => message.type === "error" || (message.type === "chat" && message.message === `here ${index}`));
      }),
    );
    // assess: each one's own message came back to it from the room, not NOT_CONNECTED
    expect(answers.map((answer) => answer.type)).toEqual(Array(10).fill("chat"));
    talker.close();
    for (const joiner of joiners) joiner.close();
  });

  it("does refuse the handshake for another user's id (403), a malformed room (400) and no token (401)", async () => {
    // act
    const statuses = await Promise.all([
      join("mallory", { userId: "bob" }).catch((error: { status: number }) => error.status),
      join("mallory", { roomId: "no spaces" }).catch((error: { status: number }) => error.status),
      new Promise((resolve) => {
        const socket = new WebSocket(runtime.endpoints.stacks.chat.websocket!.url);
        socket.once("unexpected-response", (_, response) => resolve(response.statusCode));
        socket.once("error", () => resolve("error"));
      }),
    ]);
    // assess
    expect(statuses).toEqual([403, 400, 401]);
  });
});
