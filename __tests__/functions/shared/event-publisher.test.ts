import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { PayloadTooLargeError, PublishFailedError } from "../../../functions/shared/errors";
import { eventEntrySize, MAX_EVENT_ENTRY_BYTES, publishEvent } from "../../../functions/shared/event-publisher";
import { setBaseEnvironment } from "../support";

setBaseEnvironment();
const eventBridge = mockClient(EventBridgeClient);
const client = new EventBridgeClient({});
const entry = { busName: "voice-bus", source: "voice-chat", detailType: "SendAudioEvent", detail: { status: "PENDING", n: 1 } };

/** A detail whose entry is exactly `size` bytes as EventBridge counts it. */
function detailOfEntrySize(size: number): { pad: string } {
  const overhead = eventEntrySize(entry.source, entry.detailType, JSON.stringify({ pad: "" }));
  return { pad: "x".repeat(size - overhead) };
}

beforeEach(() => {
  eventBridge.reset();
});

describe("eventEntrySize", () => {
  it("does count 14 bytes for Time plus the UTF-8 bytes of source, detail type and detail when asked", () => {
    // prepare
    const detail = '{"name":"é"}';
    // act
    const size = eventEntrySize("src", "type", detail);
    // assess
    expect(size).toBe(14 + 3 + 4 + Buffer.byteLength(detail));
    expect(Buffer.byteLength(detail)).toBe(detail.length + 1);
  });
});

describe("publishEvent", () => {
  it("does send one entry with bus, source, detail type and JSON detail and return its id when EventBridge accepts it", async () => {
    // prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "evt-1" }] });
    // act
    const id = await publishEvent(client, entry);
    // assess
    expect(id).toBe("evt-1");
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({
      Entries: [{ EventBusName: "voice-bus", Source: "voice-chat", DetailType: "SendAudioEvent", Detail: '{"status":"PENDING","n":1}' }],
    });
  });

  it("does throw PUBLISH_FAILED naming the entry's error when FailedEntryCount is 1", async () => {
    // prepare
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: "InternalFailure", ErrorMessage: "try again" }],
    });
    // act
    const outcome = publishEvent(client, entry);
    // assess
    await expect(outcome).rejects.toBeInstanceOf(PublishFailedError);
    await expect(publishEvent(client, entry)).rejects.toThrow("InternalFailure try again");
  });

  it("does throw PUBLISH_FAILED when the answer has no event id even though FailedEntryCount is 0", async () => {
    // prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{}] });
    // act
    const outcome = publishEvent(client, entry);
    // assess
    await expect(outcome).rejects.toThrow(PublishFailedError);
  });

  it("does throw PUBLISH_FAILED when the answer has no entries at all", async () => {
    // prepare
    eventBridge.on(PutEventsCommand).resolves({});
    // act
    const outcome = publishEvent(client, entry);
    // assess
    await expect(outcome).rejects.toThrow("no event id");
  });

  it("does throw PUBLISH_FAILED naming the error when PutEvents itself throws", async () => {
    // prepare
    eventBridge.on(PutEventsCommand).rejects(Object.assign(new Error("slow down"), { name: "ThrottlingException" }));
    // act
    const outcome = publishEvent(client, entry);
    // assess
    await expect(outcome).rejects.toSatisfy(
      (error) => error instanceof PublishFailedError && error.message.includes("ThrottlingException"),
    );
  });

  it("does send an entry of exactly the limit when the entry is 256 KB", async () => {
    // prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "evt-2" }] });
    const detail = detailOfEntrySize(MAX_EVENT_ENTRY_BYTES);
    // act
    const id = await publishEvent(client, { ...entry, detail });
    // assess
    expect(id).toBe("evt-2");
  });

  it("does throw PAYLOAD_TOO_LARGE without calling EventBridge when the entry is one byte over 256 KB", async () => {
    // prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "evt-3" }] });
    const detail = detailOfEntrySize(MAX_EVENT_ENTRY_BYTES + 1);
    // act
    const outcome = publishEvent(client, { ...entry, detail });
    // assess
    await expect(outcome).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it("does publish or refuse by size alone when given any detail size", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: MAX_EVENT_ENTRY_BYTES - 64, max: MAX_EVENT_ENTRY_BYTES + 64 }), async (size) => {
        // prepare
        eventBridge.reset();
        eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "evt" }] });
        // act
        const outcome = await publishEvent(client, { ...entry, detail: detailOfEntrySize(size) }).then(
          () => "sent",
          (error: unknown) => (error instanceof PayloadTooLargeError ? "too large" : "other"),
        );
        // assess
        expect(outcome).toBe(size <= MAX_EVENT_ENTRY_BYTES ? "sent" : "too large");
        expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(size <= MAX_EVENT_ENTRY_BYTES ? 1 : 0);
      }),
      { numRuns: 40 },
    );
  });
});
