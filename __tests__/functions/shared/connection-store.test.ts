import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { ConnectionStore } from "../../../functions/shared/connection-store";
import type { TableBinding } from "../../../functions/shared/table-binding";
import { isValidChannel, type VoiceConnection } from "../../../functions/shared/voice-connection";
import { setBaseEnvironment } from "../support";

setBaseEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const binding: TableBinding = { variable: "CONNECTIONS_TABLE", tableName: "connections", ttlAttribute: "expiresAt", indexes: [{ name: "by-channel", hashKey: "channel" }] };
const store = new ConnectionStore<VoiceConnection>(documents, binding);

const record: VoiceConnection = {
  connectionId: "c1",
  channel: "global",
  userId: "u-1",
  username: "alice",
  connectedAt: 1_700_000_000_000,
  expiresAt: 1_700_007_200,
};

beforeEach(() => {
  dynamo.reset();
});

describe("ConnectionStore", () => {
  it("does put the record as the item when a connection is stored", async () => {
    // prepare
    dynamo.on(PutCommand).resolves({});
    // act
    await store.put(record);
    // assess
    expect(dynamo.commandCalls(PutCommand).map((call) => call.args[0].input)).toEqual([{ TableName: "connections", Item: record }]);
  });

  it("does read the record consistently by connection id when it exists", async () => {
    // prepare
    dynamo.on(GetCommand).resolves({ Item: record });
    // act
    const found = await store.get("c1");
    // assess
    expect(found).toEqual(record);
    expect(dynamo.commandCalls(GetCommand)[0].args[0].input).toEqual({
      TableName: "connections",
      Key: { connectionId: "c1" },
      ConsistentRead: true,
    });
  });

  it("does answer undefined when there is no record", async () => {
    // prepare
    dynamo.on(GetCommand).resolves({});
    // act
    const found = await store.get("missing");
    // assess
    expect(found).toBeUndefined();
  });

  it("does delete by connection id when a connection is removed", async () => {
    // prepare
    dynamo.on(DeleteCommand).resolves({});
    // act
    await store.remove("c1");
    // assess
    expect(dynamo.commandCalls(DeleteCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: "connections", Key: { connectionId: "c1" } },
    ]);
  });

  it("does follow LastEvaluatedKey through every page of the channel index when listing a channel", async () => {
    // prepare
    const firstKey = { connectionId: "c2", channel: "team" };
    const secondKey = { connectionId: "c3", channel: "team" };
    dynamo
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ connectionId: "c1" }, { connectionId: "c2" }], LastEvaluatedKey: firstKey })
      .resolvesOnce({ Items: [{ connectionId: "c3" }], LastEvaluatedKey: secondKey })
      .resolvesOnce({ Items: [{ connectionId: "c4" }] });
    // act
    const ids = await store.listBy("channel", "team");
    // assess
    expect(ids).toEqual(["c1", "c2", "c3", "c4"]);
    const inputs = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(inputs).toHaveLength(3);
    expect(inputs[0]).toEqual({
      TableName: "connections",
      IndexName: "by-channel",
      KeyConditionExpression: "#key = :value",
      ExpressionAttributeNames: { "#key": "channel" },
      ExpressionAttributeValues: { ":value": "team" },
      ProjectionExpression: "connectionId",
      ExclusiveStartKey: undefined,
    });
    expect(inputs.map((input) => input.ExclusiveStartKey)).toEqual([undefined, firstKey, secondKey]);
    expect(dynamo.commandCalls(ScanCommand)).toHaveLength(0);
  });

  it("does answer no ids when the page has no Items", async () => {
    // prepare
    dynamo.on(QueryCommand).resolves({});
    // act
    const ids = await store.listBy("channel", "empty");
    // assess
    expect(ids).toEqual([]);
  });

  it("does throw naming the table and its indexes without querying when the binding has no index on the attribute", async () => {
    // act
    const outcome = store.listBy("room", "global");
    // assess
    await expect(outcome).rejects.toThrow("Table connections (CONNECTIONS_TABLE) has no index on room; its indexes: by-channel (channel)");
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it("does rethrow when a page of the query fails", async () => {
    // prepare
    const error = new Error("throttled");
    dynamo.on(QueryCommand).resolvesOnce({ Items: [{ connectionId: "c1" }], LastEvaluatedKey: { connectionId: "c1" } }).rejectsOnce(error);
    // act
    const outcome = store.listBy("channel", "global");
    // assess
    await expect(outcome).rejects.toBe(error);
  });

  it("does return every id of every page in order when given any paging", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.uuid(), { maxLength: 5 }), { minLength: 1, maxLength: 6 }), async (pages) => {
        // prepare
        dynamo.reset();
        let query = dynamo.on(QueryCommand);
        pages.forEach((page, index) => {
          const last = index === pages.length - 1;
          query = query.resolvesOnce({
            Items: page.map((connectionId) => ({ connectionId })),
            LastEvaluatedKey: last ? undefined : { page: index },
          });
        });
        // act
        const ids = await store.listBy("channel", "any");
        // assess
        expect(ids).toEqual(pages.flat());
        expect(dynamo.commandCalls(QueryCommand)).toHaveLength(pages.length);
      }),
      { numRuns: 50 },
    );
  });
});

describe("ConnectionStore with another stack's table", () => {
  const signaling = new ConnectionStore<{ connectionId: string; gameId: string; connectedAt: string; expiresAt: number }>(documents, {
    variable: "CONNECTIONS_TABLE",
    tableName: "poker-connections",
    ttlAttribute: "ttl",
    indexes: [{ name: "gameId-index", hashKey: "gameId" }],
  });

  it("does write and read expiresAt under the binding's TTL attribute when the table calls it ttl", async () => {
    // prepare
    dynamo.on(PutCommand).resolves({});
    const connectedAt = "2025-01-02T03:04:05.678Z";
    dynamo.on(GetCommand).resolves({ Item: { connectionId: "c9", gameId: "g1", connectedAt, ttl: 1_700_007_200 } });
    // act
    await signaling.put({ connectionId: "c9", gameId: "g1", connectedAt, expiresAt: 1_700_007_200 });
    const found = await signaling.get("c9");
    // assess
    expect(dynamo.commandCalls(PutCommand)[0].args[0].input.Item).toEqual({ connectionId: "c9", gameId: "g1", connectedAt, ttl: 1_700_007_200 });
    expect(found).toEqual({ connectionId: "c9", gameId: "g1", connectedAt, expiresAt: 1_700_007_200 });
  });

  it("does query the index the binding names for the attribute", async () => {
    // prepare
    dynamo.on(QueryCommand).resolves({ Items: [{ connectionId: "c9" }] });
    // act
    const ids = await signaling.listBy("gameId", "g1");
    // assess
    expect(ids).toEqual(["c9"]);
    expect(dynamo.commandCalls(QueryCommand)[0].args[0].input).toMatchObject({ IndexName: "gameId-index", ExpressionAttributeNames: { "#key": "gameId" } });
  });

  it("does update only an existing record, and say false when it is gone", async () => {
    // prepare
    dynamo.on(UpdateCommand).resolvesOnce({}).rejectsOnce(new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} }));
    // act
    const updated = await signaling.update("c9", { gameId: "g2", expiresAt: 5 });
    const gone = await signaling.update("c0", { gameId: "g2" });
    // assess
    expect(updated).toBe(true);
    expect(gone).toBe(false);
    expect(dynamo.commandCalls(UpdateCommand)[0].args[0].input).toEqual({
      TableName: "poker-connections",
      Key: { connectionId: "c9" },
      UpdateExpression: "SET #a0 = :v0, #a1 = :v1",
      ConditionExpression: "attribute_exists(connectionId)",
      ExpressionAttributeNames: { "#a0": "gameId", "#a1": "ttl" },
      ExpressionAttributeValues: { ":v0": "g2", ":v1": 5 },
    });
  });

  it("does refuse a binding without a TTL attribute, naming the table", () => {
    // act
    const creating = () => new ConnectionStore(documents, { variable: "CONNECTIONS_TABLE", tableName: "bare", indexes: [] });
    // assess
    expect(creating).toThrow("Connections table bare (CONNECTIONS_TABLE) is bound without its TTL attribute");
  });
});

describe("isValidChannel", () => {
  it.each(["global", "team-1", "Team_2", "a", "x".repeat(64)])("does accept %j when it is 1-64 letters, digits, - or _", (channel) => {
    // prepare: the channel above
    // act
    const valid = isValidChannel(channel);
    // assess
    expect(valid).toBe(true);
  });

  it.each(["", "x".repeat(65), "team 1", "team/1", "../global", "équipe", "global\n"])("does refuse %j when it has other characters or length", (channel) => {
    // prepare: the channel above
    // act
    const valid = isValidChannel(channel);
    // assess
    expect(valid).toBe(false);
  });
});
