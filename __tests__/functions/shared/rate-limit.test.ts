import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { takeConnectionToken, takeToken } from "../../../functions/shared/rate-limit";
import { setBaseEnvironment } from "../support";

setBaseEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const config = { ratePerSecond: 5, burst: 10 };
const NOW = 1_700_000_000_000;

function conflict(): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
}

beforeEach(() => {
  dynamo.reset();
});

describe("takeToken", () => {
  it("does allow a burst of 10 and refuse the 11th when messages come at once", () => {
    // prepare
    let state = { tokens: 10, refilledAt: NOW };
    const outcomes: boolean[] = [];
    // act
    for (let index = 0; index < 11; index += 1) {
      const taken = takeToken(state, NOW, config);
      outcomes.push(taken.allowed);
      state = taken.state;
    }
    // assess
    expect(outcomes).toEqual([...Array(10).fill(true), false]);
  });

  it("does refill one token every 200 ms when the bucket is empty", () => {
    // prepare
    const empty = { tokens: 0, refilledAt: NOW };
    // act
    const early = takeToken(empty, NOW + 199, config);
    const onTime = takeToken(empty, NOW + 200, config);
    // assess
    expect(early.allowed).toBe(false);
    expect(onTime.allowed).toBe(true);
    expect(onTime.state.tokens).toBeCloseTo(0);
  });

  it("does never hold more than the burst when a connection was quiet for long", () => {
    // prepare
    const state = { tokens: 3, refilledAt: NOW };
    // act
    const taken = takeToken(state, NOW + 3_600_000, config);
    // assess
    expect(taken.state.tokens).toBe(9);
  });

  it("does let through at most burst + rate x seconds when any sequence of messages arrives", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 1, maxLength: 200 }), (gaps) => {
        // prepare
        let state = { tokens: config.burst, refilledAt: NOW };
        let now = NOW;
        let allowed = 0;
        // act
        for (const gap of gaps) {
          now += gap;
          const taken = takeToken(state, now, config);
          if (taken.allowed) allowed += 1;
          state = taken.state;
        }
        // assess
        expect(allowed).toBeLessThanOrEqual(config.burst + Math.floor(((now - NOW) * config.ratePerSecond) / 1000));
        expect(state.tokens).toBeGreaterThanOrEqual(0);
        expect(state.tokens).toBeLessThanOrEqual(config.burst);
      }),
    );
  });
});

describe("takeConnectionToken", () => {
  it("does write the new state conditioned on the version it read when a token is left", async () => {
    // prepare
    dynamo.on(GetCommand).resolves({ Item: { connectionId: "c1", rateTokens: 4, rateRefilledAt: NOW, rateVersion: 7 } });
    dynamo.on(UpdateCommand).resolves({});
    // act
    const result = await takeConnectionToken(documents, "connections", "c1", config, () => NOW);
    // assess
    expect(result.outcome).toBe("allowed");
    expect(dynamo.commandCalls(GetCommand)[0].args[0].input).toMatchObject({ TableName: "connections", Key: { connectionId: "c1" }, ConsistentRead: true });
    expect(dynamo.commandCalls(UpdateCommand)[0].args[0].input).toEqual({
      TableName: "connections",
      Key: { connectionId: "c1" },
      UpdateExpression: "SET rateTokens = :tokens, rateRefilledAt = :at, rateVersion = :next",
      ConditionExpression: "rateVersion = :seen",
      ExpressionAttributeValues: { ":tokens": 3, ":at": NOW, ":next": 8, ":seen": 7 },
    });
  });

  it("does answer limited and write nothing when the bucket is empty", async () => {
    // prepare
    dynamo.on(GetCommand).resolves({ Item: { connectionId: "c1", rateTokens: 0.5, rateRefilledAt: NOW, rateVersion: 3 } });
    // act
    const result = await takeConnectionToken(documents, "connections", "c1", config, () => NOW);
    // assess
    expect(result.outcome).toBe("limited");
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it("does re-read and spend the token the winner left when another environment updated first", async () => {
    // prepare
    dynamo
      .on(GetCommand)
      .resolvesOnce({ Item: { connectionId: "c1", rateTokens: 2, rateRefilledAt: NOW, rateVersion: 1 } })
      .resolves({ Item: { connectionId: "c1", rateTokens: 1, rateRefilledAt: NOW, rateVersion: 2 } });
    dynamo.on(UpdateCommand).rejectsOnce(conflict()).resolves({});
    // act
    const result = await takeConnectionToken(documents, "connections", "c1", config, () => NOW);
    // assess
    expect(result.outcome).toBe("allowed");
    const updates = dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input.ExpressionAttributeValues);
    expect(updates).toEqual([
      { ":tokens": 1, ":at": NOW, ":next": 2, ":seen": 1 },
      { ":tokens": 0, ":at": NOW, ":next": 3, ":seen": 2 },
    ]);
  });

  it("does answer limited, with the record, after eight lost races when the connection is that contended", async () => {
    // prepare
    dynamo.on(GetCommand).resolves({ Item: { connectionId: "c1", rateTokens: 5, rateRefilledAt: NOW, rateVersion: 1 } });
    dynamo.on(UpdateCommand).rejects(conflict());
    // act
    const result = await takeConnectionToken(documents, "connections", "c1", config, () => NOW);
    // assess
    expect(result.outcome).toBe("limited");
    expect(result.item).toMatchObject({ connectionId: "c1" });
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(8);
  });

  it("does start from a full bucket, conditioned on no version yet, when the record has no rate state", async () => {
    // prepare
    dynamo.on(GetCommand).resolves({ Item: { connectionId: "c1" } });
    dynamo.on(UpdateCommand).resolves({});
    // act
    const result = await takeConnectionToken(documents, "connections", "c1", config, () => NOW);
    // assess
    expect(result.outcome).toBe("allowed");
    expect(dynamo.commandCalls(UpdateCommand)[0].args[0].input).toMatchObject({
      ConditionExpression: "attribute_exists(connectionId) AND attribute_not_exists(rateVersion)",
      ExpressionAttributeValues: { ":tokens": 9, ":next": 1 },
    });
  });

  it("does answer not-connected when the connection has no record", async () => {
    // prepare
    dynamo.on(GetCommand).resolves({});
    // act
    const result = await takeConnectionToken(documents, "connections", "gone", config, () => NOW);
    // assess
    expect(result.outcome).toBe("not-connected");
  });

  it("does throw when the update fails for another reason than the condition", async () => {
    // prepare
    dynamo.on(GetCommand).resolves({ Item: { connectionId: "c1", rateTokens: 5, rateRefilledAt: NOW, rateVersion: 1 } });
    dynamo.on(UpdateCommand).rejects(new Error("Throttled"));
    // act
    const taking = takeConnectionToken(documents, "connections", "c1", config, () => NOW);
    // assess
    await expect(taking).rejects.toThrow("Throttled");
  });
});
