import { BatchWriteItemCommand, ScanCommand, type AttributeValue, type ScanCommandInput } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TableModel } from "../../local/dynamodb/service";
import { createTable, startDynamoDb, startTtlSweeper, TTL_SWEEP_PAGE_ITEMS, type LocalDynamoDb } from "../../local/dynamodb/dynalite";

const table: TableModel = {
  address: "aws_dynamodb_table.scores",
  logicalName: "scores",
  name: "ttl-sweeper-scores",
  hashKey: "player",
  rangeKey: "round",
  attributes: [
    { name: "player", type: "S" },
    { name: "round", type: "N" },
  ],
  globalSecondaryIndexes: [],
  ttlAttribute: "expiresAt",
};

let dynamo: LocalDynamoDb;

beforeAll(async () => {
  dynamo = await startDynamoDb({ region: "us-east-1" });
  await createTable(dynamo.client, table);
});

afterAll(async () => {
  await dynamo.close();
});

async function putAll(items: Record<string, AttributeValue>[]): Promise<void> {
  for (let index = 0; index < items.length; index += 25) {
    await dynamo.client.send(
      new BatchWriteItemCommand({ RequestItems: { [table.name]: items.slice(index, index + 25).map((Item) => ({ PutRequest: { Item } })) } }),
    );
  }
}

async function remainingRounds(): Promise<number[]> {
  const rounds: number[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamo.client.send(new ScanCommand({ TableName: table.name, ExclusiveStartKey: startKey }));
    rounds.push(...(page.Items ?? []).map((item) => Number(item.round.N)));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return rounds.sort((a, b) => a - b);
}

describe("TTL sweeper", () => {
  it("does delete exactly the items whose TTL has passed, in pages, when the table holds more than one page", async () => {
    // prepare: 150 expired, 140 live, 5 without the attribute and 5 whose attribute is not a number (DynamoDB skips those)
    const now = Math.floor(Date.now() / 1000);
    const item = (round: number, expiresAt?: AttributeValue) => ({ player: { S: `p${round % 7}` }, round: { N: String(round) }, ...(expiresAt ? { expiresAt } : {}) });
    await putAll([
      ...Array.from({ length: 150 }, (_, index) => item(index, { N: String(now - 1 - index) })),
      ...Array.from({ length: 140 }, (_, index) => item(1000 + index, { N: String(now + 3600) })),
      ...Array.from({ length: 5 }, (_, index) => item(2000 + index)),
      ...Array.from({ length: 5 }, (_, index) => item(3000 + index, { S: String(now - 100) })),
    ]);
    const scans: ScanCommandInput[] = [];
    const send = dynamo.client.send.bind(dynamo.client);
    const recording = new Proxy(dynamo.client, {
      get: (target, property) =>
        property === "send"
          ? (command: { input: unknown }) => {
              if (command instanceof ScanCommand) scans.push(command.input);
              return send(command as never);
            }
          : Reflect.get(target, property),
    });
    const sweeper = startTtlSweeper(recording, [table], 60_000, () => undefined);
    // act
    const deleted = await sweeper.sweep();
    sweeper.stop();
    // assess
    expect(deleted).toBe(150);
    const expected = [
      ...Array.from({ length: 140 }, (_, index) => 1000 + index),
      ...Array.from({ length: 5 }, (_, index) => 2000 + index),
      ...Array.from({ length: 5 }, (_, index) => 3000 + index),
    ];
    expect(await remainingRounds()).toEqual(expected);
    expect(scans.length).toBeGreaterThanOrEqual(Math.ceil(300 / TTL_SWEEP_PAGE_ITEMS));
    for (const scan of scans) expect(scan.Limit).toBe(TTL_SWEEP_PAGE_ITEMS);
  });

  it("does delete nothing and leave every item when no TTL has passed", async () => {
    // prepare: what the first test left, all live or without a numeric TTL
    const before = await remainingRounds();
    const sweeper = startTtlSweeper(dynamo.client, [table], 60_000, () => undefined);
    // act
    const deleted = await sweeper.sweep();
    sweeper.stop();
    // assess
    expect(deleted).toBe(0);
    expect(await remainingRounds()).toEqual(before);
  });
});
