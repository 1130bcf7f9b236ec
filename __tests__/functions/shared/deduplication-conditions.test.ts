/**
 * The ledger's condition expressions evaluated by a real DynamoDB implementation (dynalite, as the local runtime
 * runs it) rather than by a mock, which would only echo them back.
 */
import { type DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeduplicationLedger } from "../../../functions/shared/deduplication";
import type { LocalDynamoDb } from "../../../local/dynamodb/dynalite";
import { startLocalTable } from "./local-table";

let dynamo: LocalDynamoDb;
let documents: DynamoDBDocumentClient;
let ledger: DeduplicationLedger;

beforeAll(async () => {
  ({ dynamo, documents } = await startLocalTable("chunks", "chunkId"));
  ledger = new DeduplicationLedger(documents, { variable: "CHUNKS_TABLE", tableName: "chunks", ttlAttribute: "expiresAt", indexes: [] }, 600);
});

afterAll(async () => {
  await dynamo?.close();
});

describe("DeduplicationLedger against DynamoDB", () => {
  it("does let the same request id take its unfinished claim again, and nobody take a finished one, when an invocation dies and is resumed", async () => {
    // prepare: req-1 claimed and died before broadcasting
    await ledger.claim("resumed-chunk", "req-1");
    // act
    const duplicate = await ledger.claim("resumed-chunk", "req-2");
    const resumed = await ledger.claim("resumed-chunk", "req-1");
    await ledger.finish("resumed-chunk", "req-1");
    const afterFinish = await ledger.claim("resumed-chunk", "req-1");
    // assess
    expect({ duplicate, resumed, afterFinish }).toEqual({ duplicate: false, resumed: true, afterFinish: false });
    const record = await documents.send(new GetCommand({ TableName: "chunks", Key: { chunkId: "resumed-chunk" } }));
    expect(record.Item).toMatchObject({ claimedBy: "req-1", finishedAt: expect.any(Number), expiresAt: expect.any(Number) });
  });

  it("does act for at most one request id per chunk, as a model of claim, finish and release says, whatever the chunk ids and the order", async () => {
    const chunk = fc.string({ minLength: 1, maxLength: 24, unit: "grapheme" });
    const requestId = fc.constantFrom("req-a", "req-b", "req-c");
    const operation = fc.record({ kind: fc.constantFrom("claim" as const, "finish" as const, "release" as const), chunk: fc.nat({ max: 2 }), requestId });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(chunk, { minLength: 3, maxLength: 3 }), fc.array(operation, { maxLength: 16 }), async (chunks, operations) => {
        // prepare: ids of this run only, so runs do not see each other's claims
        run++;
        const model = new Map<string, { claimedBy: string; finished: boolean }>();
        for (const { kind, chunk: index, requestId: request } of operations) {
          const id = `${run}/${chunks[index]}`;
          const held = model.get(id);
          // act
          if (kind === "claim") {
            const claimed = await ledger.claim(id, request);
            // assess
            const allowed = !held || (held.claimedBy === request && !held.finished);
            expect(claimed).toBe(allowed);
            if (allowed) model.set(id, { claimedBy: request, finished: false });
          } else if (kind === "finish") {
            const finished = await ledger.finish(id, request);
            const allowed = held?.claimedBy === request;
            expect(finished).toBe(allowed);
            if (allowed) model.set(id, { claimedBy: request, finished: true });
          } else {
            await ledger.release(id, request);
            if (held?.claimedBy === request && !held.finished) model.delete(id);
          }
          const stored = await documents.send(new GetCommand({ TableName: "chunks", Key: { chunkId: id } }));
          const expected = model.get(id);
          expect(stored.Item ? { claimedBy: stored.Item.claimedBy, finished: stored.Item.finishedAt !== undefined } : undefined).toEqual(expected);
        }
      }),
      { numRuns: 40 },
    );
  }, 60_000);
});
