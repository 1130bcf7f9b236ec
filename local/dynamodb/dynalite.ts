import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  ScanCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import type { TableModel } from "./service";
import { LOCAL_CREDENTIALS } from "../services/credentials";

export interface LocalDynamoDb {
  url: string;
  client: DynamoDBClient;
  close(): Promise<void>;
}

const WORKER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "dynalite-worker.mjs");

/**
 * dynalite on a local port, in a worker thread of its own so that its work shares the machine's cores with the
 * gateway's event loop rather than taking turns on it: in memory, or under `dataDir` to keep items between runs.
 */
export async function startDynamoDb(options: { port?: number; dataDir?: string; region: string }): Promise<LocalDynamoDb> {
  const worker = new Worker(WORKER_SCRIPT, { workerData: { port: options.port ?? 0, path: options.dataDir } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("message", (message: { port?: number; error?: string }) => (message.port ? resolve(message.port) : reject(new Error(`dynalite did not start: ${message.error}`))));
    worker.once("error", reject);
  });
  // A failure of dynalite's own thread is reported, not thrown into the gateway's: requests then fail as on an outage.
  worker.on("error", (error) => process.stderr.write(`[dynamodb] dynalite's thread failed: ${error.message}\n`));
  const url = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint: url, region: options.region, credentials: LOCAL_CREDENTIALS });
  return {
    url,
    client,
    close: async () => {
      client.destroy();
      const closed = new Promise<void>((resolve) => worker.once("message", () => resolve()));
      worker.postMessage("close");
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000))]);
      await worker.terminate();
    },
  };
}

/** Creates a table as synthesized; a table kept from an earlier run (`--data`) is left as it is. */
export async function createTable(client: DynamoDBClient, table: TableModel): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: table.name,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: table.attributes.map(({ name, type }) => ({ AttributeName: name, AttributeType: type as "S" | "N" | "B" })),
        KeySchema: [
          { AttributeName: table.hashKey, KeyType: "HASH" },
          ...(table.rangeKey ? [{ AttributeName: table.rangeKey, KeyType: "RANGE" as const }] : []),
        ],
        GlobalSecondaryIndexes:
          table.globalSecondaryIndexes.length > 0
            ? table.globalSecondaryIndexes.map((index) => ({
                IndexName: index.name,
                KeySchema: [
                  { AttributeName: index.hashKey, KeyType: "HASH" as const },
                  ...(index.rangeKey ? [{ AttributeName: index.rangeKey, KeyType: "RANGE" as const }] : []),
                ],
                Projection: {
                  ProjectionType: index.projectionType as "ALL" | "KEYS_ONLY" | "INCLUDE",
                  ...(index.nonKeyAttributes ? { NonKeyAttributes: index.nonKeyAttributes } : {}),
                },
              }))
            : undefined,
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}

/** Items a sweep reads per Scan page: dynalite answers a page in one go on the main thread, so pages stay small. */
export const TTL_SWEEP_PAGE_ITEMS = 100;

/**
 * dynalite has no TTL, so the runtime deletes items whose TTL attribute has passed, every `intervalMs`.
 * An expired item is gone at most `intervalMs` (plus one sweep) after it expires; DynamoDB itself takes up to days.
 * Each sweep reads the table in small pages, so that a table of many live items (a deduplication window of an hour
 * holds tens of thousands) never holds up the gateway for long: one unpaged Scan of 20,000 items took over 100 ms.
 */
export function startTtlSweeper(client: DynamoDBClient, tables: TableModel[], intervalMs: number, log: (line: string) => void): { stop(): void; sweep(): Promise<number> } {
  const withTtl = tables.filter((table) => table.ttlAttribute);
  const sweep = async (): Promise<number> => {
    let deleted = 0;
    const now = Math.floor(Date.now() / 1000);
    for (const table of withTtl) {
      const keyNames = [table.hashKey, table.rangeKey].filter((key): key is string => Boolean(key));
      let startKey: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({
            TableName: table.name,
            FilterExpression: "#ttl <= :now",
            ProjectionExpression: keyNames.map((_, index) => `#key${index}`).join(", "),
            ExpressionAttributeNames: { "#ttl": table.ttlAttribute!, ...Object.fromEntries(keyNames.map((name, index) => [`#key${index}`, name])) },
            ExpressionAttributeValues: { ":now": { N: String(now) } },
            ExclusiveStartKey: startKey,
            Limit: TTL_SWEEP_PAGE_ITEMS,
          }),
        );
        const keys = page.Items ?? [];
        for (let index = 0; index < keys.length; index += 25) {
          await client.send(
            new BatchWriteItemCommand({
              RequestItems: { [table.name]: keys.slice(index, index + 25).map((Key) => ({ DeleteRequest: { Key } })) },
            }),
          );
        }
        deleted += keys.length;
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    }
    return deleted;
  };
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweep()
      .then((count) => count > 0 && log(`[dynamodb] TTL removed ${count} expired item(s)`))
      .catch((error: Error) => log(`[dynamodb] TTL sweep failed: ${error.message}`))
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), sweep };
}
