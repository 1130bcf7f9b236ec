import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { pendingDetailSchema } from "../../functions/shared/audio-event-schemas";
import type { WebSocketEvent, WebSocketResult } from "../../functions/shared/websocket-event";
import { base64Of, DOMAIN_NAME, freezeClockForEachTest, SENDER, setBaseEnvironment, STAGE, webSocketEvent } from "./support";
import { startManagementStub, type ManagementStub } from "./management-stub";

const MAX_AUDIO_BYTES = 1024;
setBaseEnvironment({
  MESSAGE_TYPE_FIELD: "action",
  CONNECTIONS_TABLE: "connections",
  CONNECTIONS_TABLE_TTL_ATTRIBUTE: "expiresAt",
  EVENT_BUS_NAME: "voice-bus",
  EVENT_SOURCE: "voice-chat",
  EVENT_DETAIL_TYPE: "SendAudioEvent",
  MAX_AUDIO_BYTES: String(MAX_AUDIO_BYTES),
});

const eventBridge = mockClient(EventBridgeClient);
let management: ManagementStub;
const dynamo = mockClient(DynamoDBDocumentClient);

let handler: (event: WebSocketEvent) => Promise<WebSocketResult>;

const NOW = new Date("2025-01-02T03:04:05.678Z");
const connection = {
  connectionId: SENDER,
  channel: "team-red",
  userId: "user-alice",
  username: "alice",
  connectedAt: 1_700_000_000_000,
  expiresAt: 1_700_007_200,
};

/** The happy world: the connection is registered, EventBridge accepts, replies are delivered. */
function arrangeWorld(): void {
  eventBridge.reset();
  management.reset();
  dynamo.reset();
  dynamo.on(GetCommand).resolves({ Item: connection });
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "evt-1" }] });
}

function audioBody(fields: Record<string, unknown> = {}): string {
  return JSON.stringify({ action: "sendaudio", data: base64Of(320), ...fields });
}

/** The single error reply that was posted, checked to be to the sender. */
function onlyErrorReply(): { action: string; code: string; message: string } {
  const posts = management.byRecipient();
  expect(posts).toHaveLength(1);
  expect(posts[0].connectionId).toBe(SENDER);
  return posts[0].message as { action: string; code: string; message: string };
}

beforeAll(async () => {
  management = await startManagementStub(DOMAIN_NAME);
  ({ handler } = await import("../../functions/voice-message/index"));
});

afterAll(() => management.close());

freezeClockForEachTest(NOW, arrangeWorld);

describe("voice-message handler", () => {
  it("does publish exactly one PENDING event and send no reply when the message is valid", async () => {
    // prepare
    const data = base64Of(320);
    const event = webSocketEvent({ body: JSON.stringify({ action: "sendaudio", data, author: "alice" }), requestId: "req-42" });
    // act
    const result = await handler(event);
    // assess
    expect(result).toEqual({ statusCode: 202 });
    expect(management.posts).toHaveLength(0);
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(1);
    const [entry] = calls[0].args[0].input.Entries ?? [];
    expect(entry).toMatchObject({ EventBusName: "voice-bus", Source: "voice-chat", DetailType: "SendAudioEvent" });
    expect(JSON.parse(entry.Detail ?? "")).toEqual({
      status: "PENDING",
      chunk_id: `${SENDER}:req-42`,
      channel: "team-red",
      message: { action: "sendaudio", data, author: "alice" },
      websocket_context: { domain_name: DOMAIN_NAME, stage: STAGE, connection_id: SENDER },
      timestamp: NOW.toISOString(),
    });
  });

  it("does read the sender's connection record consistently when it publishes", async () => {
    // prepare
    const event = webSocketEvent({ body: audioBody() });
    // act
    await handler(event);
    // assess
    expect(dynamo.commandCalls(GetCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: "connections", Key: { connectionId: SENDER }, ConsistentRead: true },
    ]);
  });

  it("does publish the caller's username as author when the message names no author", async () => {
    // prepare
    const event = webSocketEvent({ body: audioBody() });
    // act
    const result = await handler(event);
    // assess
    expect(result.statusCode).toBe(202);
    const detail = JSON.parse(eventBridge.commandCalls(PutEventsCommand)[0].args[0].input.Entries?.[0].Detail ?? "");
    expect(detail.message.author).toBe("alice");
  });

  it.each([
    ["the body is not JSON", "{not json", "INVALID_JSON"],
    ["the body is empty", "", "INVALID_JSON"],
    ["there is no body", undefined, "INVALID_JSON"],
    ["the body is an array", JSON.stringify([{ action: "sendaudio", data: "AAAA" }]), "INVALID_MESSAGE"],
    ["the body is a number", "17", "INVALID_MESSAGE"],
    ["the body is JSON null", "null", "INVALID_MESSAGE"],
    ["the author is not a string", audioBody({ author: 42 }), "INVALID_MESSAGE"],
    ["the action is not a string", audioBody({ action: ["sendaudio"] }), "INVALID_MESSAGE"],
    ["there is no action", JSON.stringify({ data: base64Of(4) }), "INVALID_MESSAGE"],
    ["there is no data", JSON.stringify({ action: "sendaudio" }), "MISSING_DATA"],
    ["the data is empty", audioBody({ data: "" }), "MISSING_DATA"],
    ["the data has characters outside base64", audioBody({ data: "ab$d" }), "INVALID_BASE64"],
    ["the data is not a string", audioBody({ data: { bytes: [1, 2] } }), "INVALID_BASE64"],
    ["the data length is not a multiple of 4", audioBody({ data: "AAAAA" }), "INVALID_BASE64"],
    ["the data is far over MAX_AUDIO_BYTES", audioBody({ data: base64Of(MAX_AUDIO_BYTES * 2) }), "PAYLOAD_TOO_LARGE"],
    ["the data decodes to one byte over MAX_AUDIO_BYTES", audioBody({ data: base64Of(MAX_AUDIO_BYTES + 1) }), "PAYLOAD_TOO_LARGE"],
    ["the author is someone else", audioBody({ author: "mallory" }), "AUTHOR_MISMATCH"],
  ])("does reply with its error code to the sender and publish nothing when %s", async (_name, body, code) => {
    // prepare
    const event = webSocketEvent({ body });
    // act
    const result = await handler(event);
    // assess
    expect(result).toEqual({ statusCode: 400 });
    const reply = onlyErrorReply();
    expect(reply.action).toBe("error");
    expect(reply.code).toBe(code);
    expect(typeof reply.message).toBe("string");
    expect(Object.keys(reply).sort()).toEqual(["action", "code", "message"]);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it("does post the error reply to https://{domainName}/{stage} when it replies", async () => {
    // prepare
    const event = webSocketEvent({ body: "{not json" });
    // act
    await handler(event);
    // assess
    expect(management.posts[0].endpoint).toBe(`https://${DOMAIN_NAME}/${STAGE}`);
  });

  it("does publish audio of exactly MAX_AUDIO_BYTES when the data is at the limit", async () => {
    // prepare
    const event = webSocketEvent({ body: audioBody({ data: base64Of(MAX_AUDIO_BYTES) }) });
    // act
    const result = await handler(event);
    // assess
    expect(result.statusCode).toBe(202);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it.each([
    ["there is no authorizer context", null],
    ["the authorizer context has no username", { userId: "user-alice" }],
  ])("does reply UNAUTHENTICATED without reading the store when %s", async (_name, authorizer) => {
    // prepare
    const event = webSocketEvent({ body: audioBody(), authorizer });
    // act
    const result = await handler(event);
    // assess
    expect(result.statusCode).toBe(400);
    expect(onlyErrorReply().code).toBe("UNAUTHENTICATED");
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(0);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it("does reply NOT_CONNECTED and publish nothing when the connection has no record", async () => {
    // prepare
    dynamo.on(GetCommand).resolves({});
    const event = webSocketEvent({ body: audioBody() });
    // act
    const result = await handler(event);
    // assess
    expect(result.statusCode).toBe(400);
    expect(onlyErrorReply().code).toBe("NOT_CONNECTED");
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it("does reply PUBLISH_FAILED when EventBridge answers FailedEntryCount 1", async () => {
    // prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: "InternalFailure", ErrorMessage: "oops" }] });
    const event = webSocketEvent({ body: audioBody() });
    // act
    const result = await handler(event);
    // assess
    expect(result.statusCode).toBe(502);
    expect(onlyErrorReply().code).toBe("PUBLISH_FAILED");
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it("does reply PUBLISH_FAILED when PutEvents throws", async () => {
    // prepare
    eventBridge.on(PutEventsCommand).rejects(Object.assign(new Error("slow down"), { name: "ThrottlingException" }));
    const event = webSocketEvent({ body: audioBody() });
    // act
    const result = await handler(event);
    // assess
    expect(result.statusCode).toBe(502);
    expect(onlyErrorReply().code).toBe("PUBLISH_FAILED");
  });

  it("does reply INTERNAL_ERROR naming the request and answer 500 when DynamoDB throws", async () => {
    // prepare
    dynamo.on(GetCommand).rejects(new Error("DynamoDB unavailable"));
    const event = webSocketEvent({ body: audioBody(), requestId: "req-77" });
    // act
    const result = await handler(event);
    // assess
    expect(result).toEqual({ statusCode: 500 });
    const reply = onlyErrorReply();
    expect(reply.code).toBe("INTERNAL_ERROR");
    expect(reply.message).toContain("req-77");
    expect(reply.message).not.toContain("DynamoDB unavailable");
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it("does resolve when the error reply finds the connection gone", async () => {
    // prepare
    management.answers.set(SENDER, 410);
    const event = webSocketEvent({ body: "nope" });
    // act
    const result = await handler(event);
    // assess
    expect(result).toEqual({ statusCode: 400 });
    expect(management.posts).toHaveLength(1);
  });

  it("does resolve when the error reply itself fails", async () => {
    // prepare
    management.answers.set(SENDER, 403);
    const event = webSocketEvent({ body: "nope" });
    // act
    const result = await handler(event);
    // assess
    expect(result).toEqual({ statusCode: 400 });
    expect(management.posts).toHaveLength(1);
  });

  it("does publish one event or send one error reply, never throw, when a client sends any JSON", async () => {
    const base64 = fc.uint8Array({ maxLength: MAX_AUDIO_BYTES + 16 }).map((bytes) => Buffer.from(bytes).toString("base64"));
    const message = fc.record(
      {
        action: fc.oneof(fc.constantFrom("sendaudio", "audio"), fc.string(), fc.anything()),
        data: fc.oneof(base64, base64, fc.string(), fc.anything()),
        author: fc.oneof(fc.constantFrom("alice", "mallory"), fc.string(), fc.anything()),
      },
      { requiredKeys: [] },
    );
    // Well-formed messages of their own, so that the published outcome is drawn often enough to be exercised in every run.
    const wellFormed = fc.record(
      {
        action: fc.constantFrom("sendaudio", "audio"),
        data: fc.uint8Array({ minLength: 1, maxLength: MAX_AUDIO_BYTES }).map((bytes) => Buffer.from(bytes).toString("base64")),
        author: fc.constant("alice"),
      },
      { requiredKeys: ["action", "data"] },
    );
    const body = fc.oneof(
      fc.json(),
      fc.string(),
      message.map((value) => JSON.stringify(value)),
      wellFormed.map((value) => JSON.stringify(value)),
      fc.constantFrom(undefined, null, "", "   "),
    );
    const codes = [
      "INVALID_JSON",
      "INVALID_MESSAGE",
      "MISSING_DATA",
      "INVALID_BASE64",
      "PAYLOAD_TOO_LARGE",
      "AUTHOR_MISMATCH",
    ];
    const seen = { published: 0, replied: 0 };
    await fc.assert(
      fc.asyncProperty(body, async (input) => {
        // prepare
        arrangeWorld();
        const event = webSocketEvent({ body: input });
        // act
        const result = await handler(event);
        // assess
        const published = eventBridge.commandCalls(PutEventsCommand);
        const posts = management.byRecipient();
        expect(published.length + posts.length).toBe(1);
        if (published.length === 1) {
          seen.published += 1;
          expect(result.statusCode).toBe(202);
          const detail = JSON.parse(published[0].args[0].input.Entries?.[0].Detail ?? "");
          expect(pendingDetailSchema.safeParse(detail).success).toBe(true);
          expect(detail.message.author).toBe("alice");
        } else {
          seen.replied += 1;
          expect(result.statusCode).toBe(400);
          expect(posts[0].connectionId).toBe(SENDER);
          expect(posts[0].message).toMatchObject({ action: "error" });
          expect(codes).toContain((posts[0].message as { code: string }).code);
        }
      }),
      { numRuns: 300 },
    );
    // Both outcomes were exercised, so the property says something about each.
    expect(seen.published).toBeGreaterThan(0);
    expect(seen.replied).toBeGreaterThan(0);
  });
});

describe("voice-message cold start", () => {
  it("does fail to load when a required environment variable is missing", async () => {
    // prepare
    vi.resetModules();
    const saved = process.env.EVENT_BUS_NAME;
    delete process.env.EVENT_BUS_NAME;
    // act
    const loading = import("../../functions/voice-message/index");
    // assess
    await expect(loading).rejects.toThrow("Environment variable EVENT_BUS_NAME is not set");
    process.env.EVENT_BUS_NAME = saved;
  });

  it("does fail to load when MAX_AUDIO_BYTES is not a positive integer", async () => {
    // prepare
    vi.resetModules();
    process.env.MAX_AUDIO_BYTES = "lots";
    // act
    const loading = import("../../functions/voice-message/index");
    // assess
    await expect(loading).rejects.toThrow('MAX_AUDIO_BYTES must be a positive integer, got "lots"');
    process.env.MAX_AUDIO_BYTES = String(MAX_AUDIO_BYTES);
  });
});
