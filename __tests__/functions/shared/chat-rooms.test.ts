import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, QueryCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { chatLimits } from "../../../functions/shared/chat-config";
import { positiveIntegerOr } from "../../../functions/shared/env";
import { displayName, isValidRoomId } from "../../../functions/shared/chat-connection";
import { ChatMembership } from "../../../functions/shared/chat-membership";
import { RoomDirectory } from "../../../functions/shared/chat-rooms";
import type { TableBinding } from "../../../functions/shared/table-binding";
import { setBaseEnvironment } from "../support";

setBaseEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const roomsBinding: TableBinding = { variable: "ROOMS_TABLE", tableName: "rooms", indexes: [{ name: "listed-index", hashKey: "listed", rangeKey: "roomId" }] };
const connectionsBinding: TableBinding = {
  variable: "CONNECTIONS_TABLE",
  tableName: "connections",
  ttlAttribute: "expiresAt",
  indexes: [
    { name: "roomId-index", hashKey: "roomId" },
    { name: "userId-index", hashKey: "userId" },
  ],
};
const rooms = new RoomDirectory(documents, roomsBinding);
const membership = new ChatMembership(documents, connectionsBinding, rooms);

function conflict(): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
}

function roomUpdates(): unknown[] {
  return dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input).filter((input) => input.TableName === "rooms");
}

beforeEach(() => {
  dynamo.reset();
});

describe("RoomDirectory", () => {
  it("does add one member and list the room atomically when someone joins", async () => {
    // prepare
    dynamo.on(UpdateCommand).resolves({});
    // act
    await rooms.join("general");
    // assess
    expect(roomUpdates()).toEqual([
      {
        TableName: "rooms",
        Key: { roomId: "general" },
        UpdateExpression: "ADD members :one SET #listed = :listed",
        ExpressionAttributeNames: { "#listed": "listed" },
        ExpressionAttributeValues: { ":one": 1, ":listed": "rooms" },
      },
    ]);
  });

  it("does only decrement when members remain after someone leaves", async () => {
    // prepare
    dynamo.on(UpdateCommand).resolves({ Attributes: { members: 2 } });
    // act
    await rooms.leave("general");
    // assess
    expect(roomUpdates()).toHaveLength(1);
    expect(roomUpdates()[0]).toMatchObject({ UpdateExpression: "ADD members :minusOne", ConditionExpression: "members > :zero" });
  });

  it("does take the room off the listing, unless someone joined meanwhile, when the last member leaves", async () => {
    // prepare
    dynamo.on(UpdateCommand).resolves({ Attributes: { members: 0 } });
    // act
    await rooms.leave("general");
    // assess
    expect(roomUpdates()[1]).toMatchObject({ UpdateExpression: "REMOVE #listed", ConditionExpression: "attribute_not_exists(members) OR members <= :zero" });
  });

  it("does never go below zero and still unlist when the count was already zero", async () => {
    // prepare
    dynamo.on(UpdateCommand).rejectsOnce(conflict()).resolves({});
    // act
    await rooms.leave("general");
    // assess
    expect(roomUpdates()).toHaveLength(2);
  });

  it("does keep the room listed without failing when a join wins the race to unlist", async () => {
    // prepare
    dynamo.on(UpdateCommand).resolvesOnce({ Attributes: { members: 0 } }).rejects(conflict());
    // act
    const leaving = rooms.leave("general");
    // assess
    await expect(leaving).resolves.toBeUndefined();
  });

  it("does list rooms with members through the sparse index, every page, and never Scan", async () => {
    // prepare
    dynamo
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ roomId: "lobby", members: 2, listed: "rooms" }], LastEvaluatedKey: { roomId: "lobby", listed: "rooms" } })
      .resolves({ Items: [{ roomId: "dev", members: 1 }, { roomId: "empty", members: 0 }] });
    // act
    const listed = await rooms.listWithMembers();
    // assess
    expect(listed).toEqual([
      { roomId: "dev", members: 1 },
      { roomId: "lobby", members: 2 },
    ]);
    expect(dynamo.commandCalls(QueryCommand)[0].args[0].input).toMatchObject({ TableName: "rooms", IndexName: "listed-index", ExpressionAttributeValues: { ":listed": "rooms" } });
    expect(dynamo.commandCalls(QueryCommand)[1].args[0].input.ExclusiveStartKey).toEqual({ roomId: "lobby", listed: "rooms" });
    expect(dynamo.commandCalls(ScanCommand)).toHaveLength(0);
  });

  it("does refuse a binding without the listing index when constructed", () => {
    // act
    const act = () => new RoomDirectory(documents, { ...roomsBinding, indexes: [] });
    // assess
    expect(act).toThrow("has no index on listed");
  });
});

describe("ChatMembership", () => {
  it("does move the connection and count it in the new room and out of the old when it changes rooms", async () => {
    // prepare
    dynamo.on(UpdateCommand, { TableName: "connections" }).resolves({ Attributes: { roomId: "general" } });
    dynamo.on(UpdateCommand, { TableName: "rooms" }).resolves({ Attributes: { members: 3 } });
    // act
    const moved = await membership.move("c1", "developers");
    // assess
    expect(moved).toEqual({ previous: "general" });
    expect(dynamo.commandCalls(UpdateCommand)[0].args[0].input).toMatchObject({ TableName: "connections", ConditionExpression: "attribute_exists(connectionId)", ReturnValues: "UPDATED_OLD" });
    expect(roomUpdates().map((input) => (input as { Key: unknown }).Key)).toEqual([{ roomId: "developers" }, { roomId: "general" }]);
  });

  it("does change no count when the connection joins the room it is in", async () => {
    // prepare
    dynamo.on(UpdateCommand, { TableName: "connections" }).resolves({ Attributes: { roomId: "general" } });
    // act
    await membership.move("c1", "general");
    // assess
    expect(roomUpdates()).toHaveLength(0);
  });

  it("does answer not-connected when the connection has no record", async () => {
    // prepare
    dynamo.on(UpdateCommand).rejects(conflict());
    // act
    const moved = await membership.move("gone", "general");
    // assess
    expect(moved).toBe("not-connected");
  });

  it("does answer the room left, and undefined when in none", async () => {
    // prepare
    dynamo.on(UpdateCommand, { TableName: "connections" }).resolvesOnce({ Attributes: { roomId: "general" } }).rejects(conflict());
    dynamo.on(UpdateCommand, { TableName: "rooms" }).resolves({ Attributes: { members: 1 } });
    // act
    const first = await membership.leave("c1");
    const second = await membership.leave("c1");
    // assess
    expect([first, second]).toEqual(["general", undefined]);
    expect(roomUpdates()).toHaveLength(1);
  });

  it("does delete the record and decrement its room once when a connection is removed twice", async () => {
    // prepare
    dynamo.on(DeleteCommand).resolvesOnce({ Attributes: { connectionId: "c1", roomId: "general" } }).resolves({});
    dynamo.on(UpdateCommand).resolves({ Attributes: { members: 4 } });
    // act
    await membership.remove("c1");
    await membership.remove("c1");
    // assess
    expect(dynamo.commandCalls(DeleteCommand)[0].args[0].input).toEqual({ TableName: "connections", Key: { connectionId: "c1" }, ReturnValues: "ALL_OLD" });
    expect(roomUpdates()).toHaveLength(1);
  });

  it("does list a room's connections with their users through the room index", async () => {
    // prepare
    dynamo.on(QueryCommand).resolves({ Items: [{ connectionId: "c1", userId: "alice", username: "Alice" }] });
    // act
    const members = await membership.members("general");
    // assess
    expect(members).toEqual([{ connectionId: "c1", userId: "alice", username: "Alice" }]);
    expect(dynamo.commandCalls(QueryCommand)[0].args[0].input).toMatchObject({ IndexName: "roomId-index", ExpressionAttributeValues: { ":value": "general" } });
  });

  it("does find a user's connections through the user index", async () => {
    // prepare
    dynamo.on(QueryCommand).resolves({ Items: [] });
    // act
    await membership.connectionsOf("bob");
    // assess
    expect(dynamo.commandCalls(QueryCommand)[0].args[0].input).toMatchObject({ IndexName: "userId-index", ExpressionAttributeValues: { ":value": "bob" } });
  });
});

describe("chat connection rules", () => {
  it.each([
    ["general", true],
    ["dev_team-2", true],
    ["r".repeat(64), true],
    ["r".repeat(65), false],
    ["", false],
    ["a b", false],
    ["../x", false],
  ])("does judge room id %j valid: %s", (roomId, valid) => {
    // assess
    expect(isValidRoomId(roomId)).toBe(valid);
  });

  it.each([
    ["  Alice  ", "Alice"],
    ["   ", undefined],
    ["x".repeat(33), undefined],
    ["é".repeat(32), "é".repeat(32)],
  ])("does turn display name %j into %j", (raw, expected) => {
    // assess
    expect(displayName(raw)).toBe(expected);
  });

  it("does take the issue's defaults and refuse a malformed limit when the environment sets none or a bad one", () => {
    // act
    const defaults = chatLimits({});
    const bad = () => positiveIntegerOr("MAX_MESSAGE_LENGTH", 1, { MAX_MESSAGE_LENGTH: "-3" });
    // assess
    expect(defaults).toEqual({ maxMessageLength: 2000, ratePerSecond: 5, rateBurst: 10, retentionDays: 30 });
    expect(bad).toThrow('MAX_MESSAGE_LENGTH must be a positive integer, got "-3"');
  });
});
