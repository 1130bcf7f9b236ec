import { posix } from "node:path";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { storedDetailSchema } from "../../functions/shared/audio-event-schemas";
import { audioObjectKey } from "../../functions/shared/audio-key";
import { base64Of, DOMAIN_NAME, SENDER, setBaseEnvironment, STAGE } from "./support";
import { startManagementStub, type ManagementStub } from "./management-stub";

const KMS_KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
setBaseEnvironment({
  AUDIO_BUCKET: "voice-audio",
  AUDIO_KMS_KEY_ARN: KMS_KEY,
  EVENT_BUS_NAME: "voice-bus",
  EVENT_SOURCE: "voice-chat",
  EVENT_DETAIL_TYPE: "SendAudioEvent",
});

const s3 = mockClient(S3Client);
const eventBridge = mockClient(EventBridgeClient);
let management: ManagementStub;

type Handler = (event: { id?: string; detail?: unknown }) => Promise<{ statusCode: number; body: { message: string; s3_key?: string } }>;
let handler: Handler;

const TIMESTAMP = "2025-01-02T03:04:05.678Z";
/** The key process-audio must use for a chunk of the default event; its layout is tested with audio-key. */
const keyOf = (author: string) => audioObjectKey(author, TIMESTAMP, String(pendingDetail({}).chunk_id));
const AUDIO = base64Of(320);

function pendingDetail(overrides: Record<string, unknown> = {}, message: Record<string, unknown> = {}) {
  return {
    status: "PENDING",
    chunk_id: `${SENDER}:req-1`,
    channel: "team-red",
    message: { action: "sendaudio", data: AUDIO, author: "alice", ...message },
    websocket_context: { domain_name: DOMAIN_NAME, stage: STAGE, connection_id: SENDER },
    timestamp: TIMESTAMP,
    ...overrides,
  };
}

function arrangeWorld(): void {
  s3.reset();
  eventBridge.reset();
  management.reset();
  s3.on(PutObjectCommand).resolves({ ETag: '"etag"' });
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "evt-2" }] });
}

function putObjectInputs() {
  return s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
}

function publishedDetails(): Record<string, unknown>[] {
  return eventBridge.commandCalls(PutEventsCommand).map((call) => JSON.parse(call.args[0].input.Entries?.[0].Detail ?? ""));
}

beforeAll(async () => {
  management = await startManagementStub(DOMAIN_NAME);
  ({ handler } = await import("../../functions/process-audio/index"));
});

afterAll(() => management.close());

beforeEach(() => {
  arrangeWorld();
});

describe("process-audio handler", () => {
  it("does store the decoded chunk under audio/{author}/{timestamp}.pcm with SSE-KMS, content type and metadata when the event is valid", async () => {
    // prepare
    const event = { id: "e-1", detail: pendingDetail() };
    // act
    const result = await handler(event);
    // assess
    const key = keyOf("alice");
    expect(result).toEqual({ statusCode: 200, body: { message: "Audio stored and sent for validation", s3_key: key } });
    const inputs = putObjectInputs();
    expect(inputs).toHaveLength(1);
    const { Body, ...rest } = inputs[0];
    expect(rest).toEqual({
      Bucket: "voice-audio",
      Key: key,
      ContentType: "audio/pcm",
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: KMS_KEY,
      BucketKeyEnabled: true,
      Metadata: { author: "alice", timestamp: TIMESTAMP, "content-type": "audio/pcm", "chunk-id": `${SENDER}:req-1` },
    });
    expect(Buffer.from(Body as Uint8Array).equals(Buffer.from(AUDIO, "base64"))).toBe(true);
  });

  it("does publish one STORED claim check with s3_key and without the audio when the chunk is stored", async () => {
    // prepare
    const event = { id: "e-1", detail: pendingDetail() };
    // act
    await handler(event);
    // assess
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input.Entries?.[0]).toMatchObject({
      EventBusName: "voice-bus",
      Source: "voice-chat",
      DetailType: "SendAudioEvent",
    });
    const [detail] = publishedDetails();
    expect(detail).toEqual({
      status: "STORED",
      chunk_id: `${SENDER}:req-1`,
      channel: "team-red",
      message: { action: "sendaudio", author: "alice" },
      websocket_context: { domain_name: DOMAIN_NAME, stage: STAGE, connection_id: SENDER },
      timestamp: TIMESTAMP,
      s3_key: keyOf("alice"),
    });
    expect(JSON.stringify(detail)).not.toContain(AUDIO);
    expect(storedDetailSchema.safeParse(detail).success).toBe(true);
    expect(management.posts).toHaveLength(0);
  });

  it("does tell the sender FAILED with STORAGE_FAILED and publish nothing when S3 refuses the chunk", async () => {
    // prepare
    s3.on(PutObjectCommand).rejects(Object.assign(new Error("denied"), { name: "AccessDenied" }));
    const event = { id: "e-1", detail: pendingDetail() };
    // act
    const result = await handler(event);
    // assess
    expect(result.statusCode).toBe(500);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
    expect(management.byRecipient()).toEqual([
      {
        connectionId: SENDER,
        message: {
          action: "audio_status",
          data: { status: "FAILED", author: "alice", timestamp: TIMESTAMP, code: "STORAGE_FAILED", message: "Audio could not be stored" },
        },
      },
    ]);
    expect(management.posts[0].endpoint).toBe(`https://${DOMAIN_NAME}/${STAGE}`);
  });

  it("does resolve when S3 fails and the sender is gone too", async () => {
    // prepare
    s3.on(PutObjectCommand).rejects(new Error("S3 down"));
    management.answers.set(SENDER, 403);
    const event = { id: "e-1", detail: pendingDetail() };
    // act
    const result = await handler(event);
    // assess
    expect(result.statusCode).toBe(500);
    expect(management.posts).toHaveLength(1);
  });

  it("does tell the sender FAILED with PUBLISH_FAILED when EventBridge answers FailedEntryCount 1", async () => {
    // prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: "InternalFailure", ErrorMessage: "x" }] });
    const event = { id: "e-1", detail: pendingDetail() };
    // act
    const result = await handler(event);
    // assess
    expect(result).toEqual({ statusCode: 500, body: { message: "Error publishing audio", s3_key: keyOf("alice") } });
    expect(management.byRecipient()).toEqual([
      {
        connectionId: SENDER,
        message: {
          action: "audio_status",
          data: {
            status: "FAILED",
            author: "alice",
            timestamp: TIMESTAMP,
            code: "PUBLISH_FAILED",
            message: "Audio could not be sent for validation",
          },
        },
      },
    ]);
  });

  it("does tell the sender FAILED with PUBLISH_FAILED when PutEvents throws", async () => {
    // prepare
    eventBridge.on(PutEventsCommand).rejects(Object.assign(new Error("slow down"), { name: "ThrottlingException" }));
    const event = { id: "e-1", detail: pendingDetail() };
    // act
    const result = await handler(event);
    // assess
    expect(result.statusCode).toBe(500);
    const posts = management.byRecipient();
    expect(posts).toHaveLength(1);
    expect(posts[0].connectionId).toBe(SENDER);
    expect(posts[0].message).toMatchObject({ action: "audio_status", data: { status: "FAILED", code: "PUBLISH_FAILED" } });
  });

  it.each([
    ["there is no detail", undefined],
    ["the status is STORED", pendingDetail({ status: "STORED" })],
    ["the data is empty", pendingDetail({}, { data: "" })],
    ["the author is missing", pendingDetail({}, { author: undefined })],
    ["the websocket context is missing", pendingDetail({ websocket_context: undefined })],
    ["the timestamp is not ISO", pendingDetail({ timestamp: "../../x" })],
    ["the chunk id is empty", pendingDetail({ chunk_id: "" })],
  ])("does drop the event without storing, publishing, replying or throwing when %s", async (_name, detail) => {
    // prepare
    const event = { id: "e-bad", detail };
    // act
    const result = await handler(event);
    // assess
    expect(result).toEqual({ statusCode: 400, body: { message: "Malformed event" } });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
    expect(management.posts).toHaveLength(0);
  });

  it.each([
    ["../../etc/passwd", "__.._etc_passwd"],
    ["..", "_"],
    ["bob/../../alice", "bob_.._.._alice"],
    ["/absolute", "_absolute"],
    ["a\\b", "a_b"],
  ])("does keep the object inside audio/<author>/ when the author is %j", async (author, folder) => {
    // prepare
    const event = { id: "e-1", detail: pendingDetail({}, { author }) };
    // act
    const result = await handler(event);
    // assess
    const key = keyOf(author);
    expect(key.split("/")[1]).toBe(folder);
    expect(putObjectInputs()[0].Key).toBe(key);
    expect(result.body.s3_key).toBe(key);
    expect(publishedDetails()[0]).toMatchObject({ s3_key: key, message: { author } });
  });

  it("does store under one folder of audio/ and publish a valid claim check when the author is any string", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1 }), async (author) => {
        // prepare
        arrangeWorld();
        const event = { id: "e-1", detail: pendingDetail({}, { author }) };
        // act
        await handler(event);
        // assess
        const key = putObjectInputs()[0].Key ?? "";
        const segments = key.split("/");
        expect(segments).toHaveLength(3);
        expect(segments[0]).toBe("audio");
        expect([".", ".."]).not.toContain(segments[1]);
        expect(posix.normalize(key)).toBe(key);
        const [detail] = publishedDetails();
        expect(detail.s3_key).toBe(key);
        expect(storedDetailSchema.safeParse(detail).success).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});

describe("process-audio cold start", () => {
  it("does fail to load when AUDIO_KMS_KEY_ARN is not set", async () => {
    // prepare
    vi.resetModules();
    delete process.env.AUDIO_KMS_KEY_ARN;
    // act
    const loading = import("../../functions/process-audio/index");
    // assess
    await expect(loading).rejects.toThrow("Environment variable AUDIO_KMS_KEY_ARN is not set");
    process.env.AUDIO_KMS_KEY_ARN = KMS_KEY;
  });
});
