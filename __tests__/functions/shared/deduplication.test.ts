import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { DeduplicationLedger } from "../../../functions/shared/deduplication";
import { setBaseEnvironment } from "../support";

setBaseEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const ledger = new DeduplicationLedger(DynamoDBDocumentClient.from(new DynamoDBClient({})), "chunks", 300);

beforeEach(() => {
  dynamo.reset();
});

describe("DeduplicationLedger", () => {
  it("does put the id with an expiry one window ahead, only if absent, and answer true when the id is new", async () => {
    // prepare
    dynamo.on(PutCommand).resolves({});
    const now = new Date("2025-01-02T03:04:05.678Z");
    // act
    const claimed = await ledger.claim("chunk-1", now);
    // assess
    expect(claimed).toBe(true);
    expect(dynamo.commandCalls(PutCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: "chunks",
        Item: { chunkId: "chunk-1", expiresAt: Math.floor(now.getTime() / 1000) + 300 },
        ConditionExpression: "attribute_not_exists(chunkId)",
      },
    ]);
  });

  it("does answer false when the id was already claimed (ConditionalCheckFailedException)", async () => {
    // prepare
    dynamo.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: "exists", $metadata: {} }));
    // act
    const claimed = await ledger.claim("chunk-1");
    // assess
    expect(claimed).toBe(false);
  });

  it("does answer false when the error is named ConditionalCheckFailedException but is of another class", async () => {
    // prepare
    dynamo.on(PutCommand).rejects(Object.assign(new Error("exists"), { name: "ConditionalCheckFailedException" }));
    // act
    const claimed = await ledger.claim("chunk-1");
    // assess
    expect(claimed).toBe(false);
  });

  it("does rethrow when the put fails for another reason", async () => {
    // prepare
    const error = Object.assign(new Error("throttled"), { name: "ProvisionedThroughputExceededException" });
    dynamo.on(PutCommand).rejects(error);
    // act
    const outcome = ledger.claim("chunk-1");
    // assess
    await expect(outcome).rejects.toBe(error);
  });

  it("does delete the id from the table when a claim is released", async () => {
    // prepare
    dynamo.on(DeleteCommand).resolves({});
    // act
    await ledger.release("chunk-9");
    // assess
    expect(dynamo.commandCalls(DeleteCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: "chunks", Key: { chunkId: "chunk-9" } },
    ]);
  });
});
