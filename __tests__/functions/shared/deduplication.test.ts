import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { DeduplicationLedger } from "../../../functions/shared/deduplication";
import { setBaseEnvironment } from "../support";

setBaseEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const ledger = new DeduplicationLedger(DynamoDBDocumentClient.from(new DynamoDBClient({})), { variable: "CHUNKS_TABLE", tableName: "chunks", ttlAttribute: "expiresAt", indexes: [] }, 300);
const conditionFailed = () => new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });

beforeEach(() => {
  dynamo.reset();
});

describe("DeduplicationLedger", () => {
  it("does put the id under the request id with an expiry one window ahead, if new or this invocation's unfinished claim, in one call", async () => {
    // prepare
    dynamo.on(PutCommand).resolves({});
    const now = new Date("2025-01-02T03:04:05.678Z");
    // act
    const claimed = await ledger.claim("chunk-1", "req-1", now);
    // assess
    expect(claimed).toBe(true);
    expect(dynamo.calls()).toHaveLength(1);
    expect(dynamo.commandCalls(PutCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: "chunks",
        Item: { chunkId: "chunk-1", claimedBy: "req-1", expiresAt: Math.floor(now.getTime() / 1000) + 300 },
        ConditionExpression: "attribute_not_exists(chunkId) OR (claimedBy = :requestId AND attribute_not_exists(finishedAt))",
        ExpressionAttributeValues: { ":requestId": "req-1" },
      },
    ]);
  });

  it("does answer false when the id is claimed by another invocation or finished (ConditionalCheckFailedException)", async () => {
    // prepare
    dynamo.on(PutCommand).rejects(conditionFailed());
    // act
    const claimed = await ledger.claim("chunk-1", "req-2");
    // assess
    expect(claimed).toBe(false);
  });

  it("does answer false when the error is named ConditionalCheckFailedException but is of another class", async () => {
    // prepare
    dynamo.on(PutCommand).rejects(Object.assign(new Error("exists"), { name: "ConditionalCheckFailedException" }));
    // act
    const claimed = await ledger.claim("chunk-1", "req-2");
    // assess
    expect(claimed).toBe(false);
  });

  it("does rethrow when the put fails for another reason", async () => {
    // prepare
    const error = Object.assign(new Error("throttled"), { name: "ProvisionedThroughputExceededException" });
    dynamo.on(PutCommand).rejects(error);
    // act
    const outcome = ledger.claim("chunk-1", "req-1");
    // assess
    await expect(outcome).rejects.toBe(error);
  });

  it("does set the finish time only while the request id holds the claim when the work is finished", async () => {
    // prepare
    dynamo.on(UpdateCommand).resolves({});
    const now = new Date("2025-01-02T03:04:05.678Z");
    // act
    const finished = await ledger.finish("chunk-1", "req-1", now);
    // assess
    expect(finished).toBe(true);
    expect(dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: "chunks",
        Key: { chunkId: "chunk-1" },
        UpdateExpression: "SET finishedAt = :now",
        ConditionExpression: "claimedBy = :requestId",
        ExpressionAttributeValues: { ":requestId": "req-1", ":now": Math.floor(now.getTime() / 1000) },
      },
    ]);
  });

  it("does answer false when finishing a claim that another invocation holds now", async () => {
    // prepare
    dynamo.on(UpdateCommand).rejects(conditionFailed());
    // act
    const finished = await ledger.finish("chunk-1", "req-1");
    // assess
    expect(finished).toBe(false);
  });

  it("does delete the id only if the request id holds it unfinished when a claim is released", async () => {
    // prepare
    dynamo.on(DeleteCommand).resolves({});
    // act
    await ledger.release("chunk-9", "req-9");
    // assess
    expect(dynamo.commandCalls(DeleteCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: "chunks",
        Key: { chunkId: "chunk-9" },
        ConditionExpression: "claimedBy = :requestId AND attribute_not_exists(finishedAt)",
        ExpressionAttributeValues: { ":requestId": "req-9" },
      },
    ]);
  });

  it("does resolve and leave the record when releasing a claim that is not this invocation's", async () => {
    // prepare
    dynamo.on(DeleteCommand).rejects(conditionFailed());
    // act
    const outcome = ledger.release("chunk-9", "req-other");
    // assess
    await expect(outcome).resolves.toBeUndefined();
  });
});
