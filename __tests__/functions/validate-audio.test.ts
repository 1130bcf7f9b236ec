import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startManagementStub, type ManagementStub } from "./management-stub";
import { DOMAIN_NAME, freezeClockForEachTest, objectBody, SENDER, setBaseEnvironment, STAGE } from "./support";

// 16 kHz and 50 ms: 1600 bytes is the longest chunk; 3200 bytes is the size limit.
setBaseEnvironment({
  AUDIO_BUCKET: "voice-audio",
  CONNECTIONS_TABLE: "connections",
  CONNECTIONS_TABLE_TTL_ATTRIBUTE: "expiresAt",
  CONNECTIONS_TABLE_INDEXES: "by-channel:channel",
  CHUNKS_TABLE: "chunks",
  CHUNKS_TABLE_TTL_ATTRIBUTE: "expiresAt",
  MAX_AUDIO_BYTES: "3200",
  SAMPLE_RATE_HZ: "16000",
  MAX_DURATION_MS: "50",
  DEDUPLICATION_WINDOW_SECONDS: "600",
});

const s3 = mockClient(S3Client);
const dynamo = mockClient(DynamoDBDocumentClient);
// Replies to the sender and the broadcast both post over signed keep-alive HTTPS to the stub.
let listeners: ManagementStub;

interface ValidateResult {
  status: "broadcast" | "rejected" | "duplicate" | "malformed";
  delivered?: number;
}
let handler: (event: { id?: string; detail?: unknown }, context: { awsRequestId: string }) => Promise<ValidateResult>;

const NOW = new Date("2025-01-02T03:04:06.000Z");
const TIMESTAMP = "2025-01-02T03:04:05.678Z";
const CHUNK_ID = `${SENDER}:req-1`;
const S3_KEY = `audio/alice/${TIMESTAMP}.pcm`;
const AUDIO = Uint8Array.from({ length: 320 }, (_, index) => index % 256);

function storedDetail(overrides: Record<string, unknown> = {}) {
  return {
    status: "STORED",
    chunk_id: CHUNK_ID,
    channel: "team-red",
    message: { action: "sendaudio", author: "alice" },
    websocket_context: { domain_name: DOMAIN_NAME, stage: STAGE, connection_id: SENDER },
    timestamp: TIMESTAMP,
    s3_key: S3_KEY,
    ...overrides,
  };
}

const event = (detail: unknown = storedDetail()) => ({ id: "evt-1", detail });
const REQUEST_ID = "invocation-1";
const CONTEXT = { awsRequestId: REQUEST_ID };

/** The happy world: the claim is new, the object holds AUDIO, the channel is the sender and two listeners on two pages. */
function arrangeWorld(audio: Uint8Array = AUDIO): void {
  s3.reset();
  dynamo.reset();
  listeners?.reset();
  dynamo.on(PutCommand).resolves({});
  dynamo.on(DeleteCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  dynamo
    .on(QueryCommand)
    .resolvesOnce({ Items: [{ connectionId: SENDER }, { connectionId: "listener-1" }], LastEvaluatedKey: { connectionId: "listener-1" } })
    .resolvesOnce({ Items: [{ connectionId: "listener-2" }] });
  s3.on(GetObjectCommand).resolves({ Body: objectBody(audio) as never });
}

function deletesOn(table: string) {
  return dynamo
    .commandCalls(DeleteCommand)
    .map((call) => call.args[0].input)
    .filter((input) => input.TableName === table);
}

beforeAll(async () => {
  listeners = await startManagementStub(DOMAIN_NAME);
  ({ handler } = await import("../../functions/validate-audio/index"));
});

afterAll(() => listeners.close());

freezeClockForEachTest(NOW, arrangeWorld);

describe("validate-audio handler", () => {
  it("does broadcast the VALIDATED chunk to every channel member but the sender when the chunk is valid", async () => {
    // prepare: the world above
    // act
    const result = await handler(event(), CONTEXT);
    // assess
    expect(result).toEqual({ status: "broadcast", delivered: 2 });
    const posts = listeners.posts;
    expect(posts.map((post) => post.connectionId).sort()).toEqual(["listener-1", "listener-2"]);
    for (const post of posts) {
      expect(post.message).toEqual({
        action: "audio",
        data: { audio: Buffer.from(AUDIO).toString("base64"), author: "alice", timestamp: TIMESTAMP, status: "VALIDATED" },
      });
    }
    expect(posts.map((post) => `https://${post.host}${post.path}`).sort()).toEqual([`https://${DOMAIN_NAME}/${STAGE}/@connections/listener-1`, `https://${DOMAIN_NAME}/${STAGE}/@connections/listener-2`]);
    expect(posts.every((post) => post.authorization.includes("/us-east-1/execute-api/aws4_request"))).toBe(true);
  });

  it("does claim the chunk in the ledger with a window expiry and read the object from the bucket when the chunk is new", async () => {
    // prepare: the world above
    // act
    await handler(event(), CONTEXT);
    // assess
    expect(dynamo.commandCalls(PutCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: "chunks",
        Item: { chunkId: CHUNK_ID, claimedBy: REQUEST_ID, expiresAt: Math.floor(NOW.getTime() / 1000) + 600 },
        ConditionExpression: "attribute_not_exists(chunkId) OR (claimedBy = :requestId AND attribute_not_exists(finishedAt))",
        ExpressionAttributeValues: { ":requestId": REQUEST_ID },
      },
    ]);
    expect(s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input)).toEqual([{ Bucket: "voice-audio", Key: S3_KEY }]);
  });

  it("does query the channel index page by page and never scan when it lists the listeners", async () => {
    // prepare: the world above
    // act
    await handler(event(), CONTEXT);
    // assess
    const queries = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries).toHaveLength(2);
    expect(queries[0]).toMatchObject({
      TableName: "connections",
      IndexName: "by-channel",
      ExpressionAttributeNames: { "#key": "channel" },
      ExpressionAttributeValues: { ":value": "team-red" },
    });
    expect(queries[1].ExclusiveStartKey).toEqual({ connectionId: "listener-1" });
    expect(dynamo.commandCalls(ScanCommand)).toHaveLength(0);
  });

  it("does remove exactly the listener that answered 410, not the sender, and still deliver to the others", async () => {
    // prepare
    listeners.answers.set("listener-1", 410);
    // act
    const result = await handler(event(), CONTEXT);
    // assess
    expect(result).toEqual({ status: "broadcast", delivered: 1 });
    expect(deletesOn("connections")).toEqual([expect.objectContaining({ TableName: "connections", Key: { connectionId: "listener-1" }, ConditionExpression: expect.stringContaining("#connectedAt < :beforeMs") })]);
    expect(deletesOn("chunks")).toEqual([]);
    expect(listeners.posts.map((post) => post.connectionId).sort()).toEqual(["listener-1", "listener-2"]);
  });

  it("does keep a listener that answered 410 while its record is young enough to be still connecting, and still broadcast", async () => {
    // prepare: the conditional delete finds the record written within the grace
    listeners.answers.set("listener-1", 410);
    dynamo.on(DeleteCommand, { TableName: "connections" }).rejects(new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} }));
    // act
    const result = await handler(event(), CONTEXT);
    // assess
    expect(result).toEqual({ status: "broadcast", delivered: 1 });
    expect(deletesOn("connections")).toHaveLength(1);
  });

  it("does keep the listener's record and resolve when a post fails for a reason other than 410", async () => {
    // prepare
    listeners.answers.set("listener-2", 403);
    // act
    const result = await handler(event(), CONTEXT);
    // assess
    expect(result).toEqual({ status: "broadcast", delivered: 1 });
    expect(dynamo.commandCalls(DeleteCommand)).toHaveLength(0);
  });

  it("does deliver to nobody and resolve when the sender is alone in the channel", async () => {
    // prepare
    dynamo.on(QueryCommand).resolves({ Items: [{ connectionId: SENDER }] });
    // act
    const result = await handler(event(), CONTEXT);
    // assess
    expect(result).toEqual({ status: "broadcast", delivered: 0 });
    expect(listeners.posts).toHaveLength(0);
  });

  it("does neither read S3 nor broadcast when the ledger already holds the chunk", async () => {
    // prepare
    dynamo.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: "exists", $metadata: {} }));
    // act
    const result = await handler(event(), CONTEXT);
    // assess
    expect(result).toEqual({ status: "duplicate" });
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
    expect(listeners.posts).toHaveLength(0);
  });

  it("does reject without reading S3 when the ledger cannot be written", async () => {
    // prepare
    dynamo.on(PutCommand).rejects(Object.assign(new Error("throttled"), { name: "ProvisionedThroughputExceededException" }));
    // act
    const outcome = handler(event(), CONTEXT);
    // assess
    await expect(outcome).rejects.toThrow("throttled");
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it.each([
    ["empty", new Uint8Array(0), "EMPTY_AUDIO"],
    ["an odd number of bytes", new Uint8Array(321), "ODD_LENGTH"],
    ["over MAX_AUDIO_BYTES", new Uint8Array(3202), "AUDIO_TOO_LARGE"],
    ["longer than MAX_DURATION_MS", new Uint8Array(1602), "AUDIO_TOO_LONG"],
  ])("does tell only the sender FAILED with the code and broadcast nothing when the audio is %s", async (_name, audio, code) => {
    // prepare
    arrangeWorld(audio);
    // act
    const result = await handler(event(), CONTEXT);
    // assess
    expect(result).toEqual({ status: "rejected" });
    const posts = listeners.byRecipient();
    expect(posts).toHaveLength(1);
    expect(posts[0].connectionId).toBe(SENDER);
    expect(posts[0].message).toEqual({
      action: "audio_status",
      data: { status: "FAILED", author: "alice", timestamp: TIMESTAMP, code, message: expect.any(String) },
    });
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it("does treat a missing body as empty audio when S3 returns no Body", async () => {
    // prepare
    s3.on(GetObjectCommand).resolves({});
    // act
    const result = await handler(event(), CONTEXT);
    // assess
    expect(result).toEqual({ status: "rejected" });
    expect(listeners.byRecipient()[0].message).toMatchObject({ data: { code: "EMPTY_AUDIO" } });
  });

  it("does accept a chunk of exactly MAX_DURATION_MS when it is at the duration limit", async () => {
    // prepare
    arrangeWorld(new Uint8Array(1600));
    // act
    const result = await handler(event(), CONTEXT);
    // assess
    expect(result).toEqual({ status: "broadcast", delivered: 2 });
  });

  it("does release the ledger claim and reject, so EventBridge retries, when S3 GetObject fails", async () => {
    // prepare
    const failure = Object.assign(new Error("S3 unavailable"), { name: "ServiceUnavailable" });
    s3.on(GetObjectCommand).rejects(failure);
    // act
    const outcome = handler(event(), CONTEXT);
    // assess
    await expect(outcome).rejects.toBe(failure);
    expect(deletesOn("chunks")).toEqual([expect.objectContaining({ TableName: "chunks", Key: { chunkId: CHUNK_ID }, ExpressionAttributeValues: { ":requestId": REQUEST_ID } })]);
    expect(listeners.posts).toHaveLength(0);
  });

  it("does release the ledger claim and reject, so EventBridge retries, when the channel query fails", async () => {
    // prepare
    const failure = Object.assign(new Error("throttled"), { name: "ThrottlingException" });
    dynamo.on(QueryCommand).rejects(failure);
    // act
    const outcome = handler(event(), CONTEXT);
    // assess
    await expect(outcome).rejects.toBe(failure);
    expect(deletesOn("chunks")).toEqual([expect.objectContaining({ TableName: "chunks", Key: { chunkId: CHUNK_ID }, ExpressionAttributeValues: { ":requestId": REQUEST_ID } })]);
    expect(listeners.posts).toHaveLength(0);
  });

  it("does broadcast when EventBridge retries after a failed read, since the claim was released", async () => {
    // prepare: the first delivery fails to read; the ledger honours the release
    const claimed = new Set<string>();
    dynamo.on(PutCommand).callsFake(async (input: { Item: { chunkId: string } }) => {
      if (claimed.has(input.Item.chunkId)) {
        throw new ConditionalCheckFailedException({ message: "exists", $metadata: {} });
      }
      claimed.add(input.Item.chunkId);
      return {};
    });
    dynamo.on(DeleteCommand, { TableName: "chunks" }).callsFake(async (input: { Key: { chunkId: string } }) => {
      claimed.delete(input.Key.chunkId);
      return {};
    });
    s3.on(GetObjectCommand).rejectsOnce(new Error("S3 unavailable")).resolves({ Body: objectBody(AUDIO) as never });
    await expect(handler(event(), CONTEXT)).rejects.toThrow("S3 unavailable");
    // act
    const retry = await handler(event(), CONTEXT);
    // assess
    expect(retry).toEqual({ status: "broadcast", delivered: 2 });
  });

  it.each([
    ["there is no detail", undefined],
    ["the status is PENDING", storedDetail({ status: "PENDING" })],
    ["the key is outside audio/", storedDetail({ s3_key: "secrets/key.pcm" })],
    ["the author is missing", storedDetail({ message: { action: "sendaudio" } })],
    ["the websocket context is incomplete", storedDetail({ websocket_context: { domain_name: DOMAIN_NAME, stage: STAGE } })],
  ])("does drop the event without touching any store when %s", async (_name, detail) => {
    // prepare: the detail above
    // act
    const result = await handler({ id: "evt-bad", detail }, CONTEXT);
    // assess
    expect(result).toEqual({ status: "malformed" });
    expect(dynamo.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
    expect(listeners.posts).toHaveLength(0);
  });

  it("does mark the chunk finished under its request id only after the broadcast has been posted", async () => {
    // prepare
    const order: string[] = [];
    listeners.onPost = () => order.push("post");
    dynamo.on(UpdateCommand).callsFake(async () => {
      order.push("finish");
      return {};
    });
    // act
    await handler(event(), CONTEXT);
    // assess
    expect(order).toEqual(["post", "post", "finish"]);
    expect(dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: "chunks",
        Key: { chunkId: CHUNK_ID },
        UpdateExpression: "SET finishedAt = :now",
        ConditionExpression: "claimedBy = :requestId",
        ExpressionAttributeValues: { ":requestId": REQUEST_ID, ":now": Math.floor(NOW.getTime() / 1000) },
      },
    ]);
  });

  it("does mark the chunk finished when it has told the sender the audio was rejected", async () => {
    // prepare
    arrangeWorld(new Uint8Array(0));
    // act
    const result = await handler(event(), CONTEXT);
    // assess
    expect(result).toEqual({ status: "rejected" });
    expect(dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input.Key)).toEqual([{ chunkId: CHUNK_ID }]);
  });

  it("does resolve with the broadcast, so nothing retries it, when the chunk cannot be marked finished", async () => {
    // prepare
    dynamo.on(UpdateCommand).rejects(Object.assign(new Error("throttled"), { name: "ThrottlingException" }));
    // act
    const result = await handler(event(), CONTEXT);
    // assess
    expect(result).toEqual({ status: "broadcast", delivered: 2 });
  });

  it("does broadcast once when an invocation that died after claiming is resumed and a second delivery of the chunk comes", async () => {
    // prepare: a ledger that honours the claims' conditions; invocation-1 claimed the chunk and died
    const claims = new Map<string, { claimedBy: string; finished: boolean }>([[CHUNK_ID, { claimedBy: REQUEST_ID, finished: false }]]);
    dynamo.on(PutCommand).callsFake(async (input: { Item: { chunkId: string; claimedBy: string } }) => {
      const held = claims.get(input.Item.chunkId);
      if (held && (held.claimedBy !== input.Item.claimedBy || held.finished)) throw new ConditionalCheckFailedException({ message: "held", $metadata: {} });
      claims.set(input.Item.chunkId, { claimedBy: input.Item.claimedBy, finished: false });
      return {};
    });
    dynamo.on(UpdateCommand).callsFake(async (input: { Key: { chunkId: string }; ExpressionAttributeValues: Record<string, string> }) => {
      const held = claims.get(input.Key.chunkId);
      if (held?.claimedBy !== input.ExpressionAttributeValues[":requestId"]) throw new ConditionalCheckFailedException({ message: "not held", $metadata: {} });
      held.finished = true;
      return {};
    });
    dynamo.on(QueryCommand).resolves({ Items: [{ connectionId: SENDER }, { connectionId: "listener-1" }] });
    // act
    const duplicateDelivery = await handler(event(), { awsRequestId: "invocation-2" });
    const resumed = await handler(event(), CONTEXT);
    const resumedAgain = await handler(event(), CONTEXT);
    // assess
    expect([duplicateDelivery.status, resumed.status, resumedAgain.status]).toEqual(["duplicate", "broadcast", "duplicate"]);
    expect(listeners.posts.map((post) => post.connectionId)).toEqual(["listener-1"]);
  });

  it("does post to each listener exactly once and remove exactly the gone ones when the channel has any members", async () => {
    const channelMembers = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }).filter((id) => id !== SENDER), { maxLength: 30 });
    await fc.assert(
      fc.asyncProperty(channelMembers, fc.func(fc.boolean()), fc.boolean(), async (members, isGone, senderInChannel) => {
        // prepare
        arrangeWorld();
        const gone = members.filter((id) => isGone(id));
        const items = (senderInChannel ? [SENDER, ...members] : members).map((connectionId) => ({ connectionId }));
        dynamo.on(QueryCommand).resolves({ Items: items });
        for (const id of gone) listeners.answers.set(id, 410);
        // act
        const result = await handler(event(), CONTEXT);
        // assess
        expect(result).toEqual({ status: "broadcast", delivered: members.length - gone.length });
        expect(listeners.posts.map((post) => post.connectionId).sort()).toEqual([...members].sort());
        expect(deletesOn("connections").map((input) => input.Key?.connectionId).sort()).toEqual([...gone].sort());
      }),
      { numRuns: 60 },
    );
  });
});

describe("validate-audio cold start", () => {
  it("does fail to load when SAMPLE_RATE_HZ is not a positive integer", async () => {
    // prepare
    vi.resetModules();
    process.env.SAMPLE_RATE_HZ = "-16000";
    // act
    const loading = import("../../functions/validate-audio/index");
    // assess
    await expect(loading).rejects.toThrow('SAMPLE_RATE_HZ must be a positive integer, got "-16000"');
    process.env.SAMPLE_RATE_HZ = "16000";
  });
});
