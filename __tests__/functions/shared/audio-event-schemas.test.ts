import { describe, expect, it } from "vitest";
import { audioFailedMessage, pendingDetailSchema, storedDetailSchema } from "../../../functions/shared/audio-event-schemas";

const pending = {
  status: "PENDING",
  chunk_id: "conn-1:req-1",
  channel: "global",
  message: { action: "sendaudio", data: "AAAA", author: "alice" },
  websocket_context: { domain_name: "abc.example.com", stage: "prod", connection_id: "conn-1" },
  timestamp: "2025-01-02T03:04:05.678Z",
};

const stored = {
  status: "STORED",
  chunk_id: "conn-1:req-1",
  channel: "global",
  message: { action: "sendaudio", author: "alice" },
  websocket_context: { domain_name: "abc.example.com", stage: "prod", connection_id: "conn-1" },
  timestamp: "2025-01-02T03:04:05.678Z",
  s3_key: "audio/alice/2025-01-02T03:04:05.678Z.pcm",
};

describe("pendingDetailSchema", () => {
  it("does accept the detail the message function publishes when it is complete", () => {
    // prepare: the detail above
    // act
    const result = pendingDetailSchema.safeParse(pending);
    // assess
    expect(result.success).toBe(true);
  });

  it.each([
    ["the status is STORED", { ...pending, status: "STORED" }],
    ["the data is empty", { ...pending, message: { ...pending.message, data: "" } }],
    ["the author is empty", { ...pending, message: { ...pending.message, author: "" } }],
    ["the chunk id is over 256 characters", { ...pending, chunk_id: "c".repeat(257) }],
    ["the timestamp is not ISO", { ...pending, timestamp: "yesterday" }],
    ["the connection id is missing", { ...pending, websocket_context: { domain_name: "d", stage: "s" } }],
    ["the channel is empty", { ...pending, channel: "" }],
  ])("does refuse the detail when %s", (_name, detail) => {
    // prepare: the detail above
    // act
    const result = pendingDetailSchema.safeParse(detail);
    // assess
    expect(result.success).toBe(false);
  });
});

describe("storedDetailSchema", () => {
  it("does accept the claim check process-audio publishes when it is complete", () => {
    // prepare: the detail above
    // act
    const result = storedDetailSchema.safeParse(stored);
    // assess
    expect(result.success).toBe(true);
  });

  it.each([
    ["the status is PENDING", { ...stored, status: "PENDING" }],
    ["the key is outside audio/", { ...stored, s3_key: "private/secret.pcm" }],
    ["the key is missing", { ...stored, s3_key: undefined }],
    ["the author is missing", { ...stored, message: { action: "sendaudio" } }],
  ])("does refuse the detail when %s", (_name, detail) => {
    // prepare: the detail above
    // act
    const result = storedDetailSchema.safeParse(detail);
    // assess
    expect(result.success).toBe(false);
  });
});

describe("audioFailedMessage", () => {
  it("does shape an audio_status FAILED message when given author, timestamp, code and reason", () => {
    // prepare: the values of one failed chunk
    // act
    const message = audioFailedMessage("alice", "2025-01-02T03:04:05.678Z", "ODD_LENGTH", "Odd");
    // assess
    expect(message).toEqual({
      action: "audio_status",
      data: { status: "FAILED", author: "alice", timestamp: "2025-01-02T03:04:05.678Z", code: "ODD_LENGTH", message: "Odd" },
    });
  });
});
