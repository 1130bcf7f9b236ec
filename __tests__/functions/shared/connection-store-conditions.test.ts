/**
 * The connection store's conditional removal of a connection a post found gone, evaluated by a real DynamoDB
 * implementation (dynalite, as the local runtime runs it) rather than by a mock, which would only echo it back.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONNECTING_GRACE_MS, ConnectionStore, type StoredConnection } from "../../../functions/shared/connection-store";
import type { LocalDynamoDb } from "../../../local/dynamodb/dynalite";
import { startLocalTable } from "./local-table";

const NOW = Date.parse("2026-06-01T12:00:00.000Z");
let dynamo: LocalDynamoDb;
let documents: DynamoDBDocumentClient;
let store: ConnectionStore<StoredConnection>;

beforeAll(async () => {
  ({ dynamo, documents } = await startLocalTable("connections", "connectionId"));
  store = new ConnectionStore(documents, { variable: "CONNECTIONS_TABLE", tableName: "connections", ttlAttribute: "ttl", indexes: [] });
});

afterAll(async () => {
  await dynamo?.close();
});

const exists = async (connectionId: string) => (await documents.send(new GetCommand({ TableName: "connections", Key: { connectionId } }))).Item !== undefined;

describe("ConnectionStore.removeGone against DynamoDB", () => {
  it.each([
    ["epoch milliseconds", NOW - CONNECTING_GRACE_MS - 1],
    ["an ISO timestamp", new Date(NOW - CONNECTING_GRACE_MS - 1).toISOString()],
  ])("does delete and return a record older than the grace when connectedAt is %s", async (_form, connectedAt) => {
    // prepare
    const id = `old-${typeof connectedAt}`;
    await store.put({ connectionId: id, connectedAt, expiresAt: 1_900_000_000 });
    // act
    const removed = await store.removeGone(id, NOW);
    // assess
    expect(removed).toEqual({ connectionId: id, connectedAt, expiresAt: 1_900_000_000 });
    expect(await exists(id)).toBe(false);
  });

  it.each([
    ["epoch milliseconds", NOW - 50],
    ["an ISO timestamp", new Date(NOW - 50).toISOString()],
  ])("does keep a record written within the grace, whose $connect may still be under way, when connectedAt is %s", async (_form, connectedAt) => {
    // prepare
    const id = `young-${typeof connectedAt}`;
    await store.put({ connectionId: id, connectedAt, expiresAt: 1_900_000_000 });
    // act
    const removed = await store.removeGone(id, NOW);
    // assess
    expect(removed).toBeUndefined();
    expect(await exists(id)).toBe(true);
  });

  it("does answer undefined without failing when there is no record", async () => {
    // act and assess
    await expect(store.removeGone("never-there", NOW)).resolves.toBeUndefined();
  });

  it("does delete a record that has no connectedAt at all, since nothing says it is connecting", async () => {
    // prepare
    await documents.send(new PutCommand({ TableName: "connections", Item: { connectionId: "no-time", ttl: 1_900_000_000 } }));
    // act
    const removed = await store.removeGone("no-time", NOW);
    // assess
    expect(removed).toMatchObject({ connectionId: "no-time" });
    expect(await exists("no-time")).toBe(false);
  });

  it("does remove exactly the records older than the grace, in either form, whatever their ages", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: -5_000, max: 3 * CONNECTING_GRACE_MS }), fc.boolean(), async (ageMs, iso) => {
        // prepare
        const id = `property-${run++}`;
        const connectedAt = iso ? new Date(NOW - ageMs).toISOString() : NOW - ageMs;
        await store.put({ connectionId: id, connectedAt, expiresAt: 1_900_000_000 });
        // act
        const removed = await store.removeGone(id, NOW);
        // assess
        const old = ageMs > CONNECTING_GRACE_MS;
        expect(removed !== undefined).toBe(old);
        expect(await exists(id)).toBe(!old);
      }),
      { numRuns: 60 },
    );
  });
});
