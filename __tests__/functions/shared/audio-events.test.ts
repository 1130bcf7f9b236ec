import { describe, expect, it } from "vitest";
import { matchesEventPattern } from "../../../local/eventbridge/event-pattern";
import {
  AUDIO_EVENT_DETAIL_TYPE,
  AUDIO_EVENT_SOURCE,
  processingRulePattern,
  validationRulePattern,
} from "../../../functions/shared/audio-events";
import { pendingDetailSchema, storedDetailSchema } from "../../../functions/shared/audio-event-schemas";

const context = { domain_name: "abc.example.com", stage: "prod", connection_id: "conn-1" };
const pendingDetail = {
  status: "PENDING",
  chunk_id: "conn-1:req-1",
  channel: "global",
  message: { action: "sendaudio", data: "AAAA", author: "alice" },
  websocket_context: context,
  timestamp: "2025-01-02T03:04:05.678Z",
};
const storedDetail = {
  status: "STORED",
  chunk_id: "conn-1:req-1",
  channel: "global",
  message: { action: "sendaudio", author: "alice" },
  websocket_context: context,
  timestamp: "2025-01-02T03:04:05.678Z",
  s3_key: "audio/alice/2025-01-02T03:04:05.678Z.pcm",
};

function envelope(detail: unknown): Record<string, unknown> {
  return { source: AUDIO_EVENT_SOURCE, "detail-type": AUDIO_EVENT_DETAIL_TYPE, detail };
}

describe("audio event rule patterns", () => {
  it("does route a PENDING event to processing only when the message function publishes one", () => {
    // prepare
    expect(pendingDetailSchema.safeParse(pendingDetail).success).toBe(true);
    const event = envelope(pendingDetail);
    // act
    const matches = [matchesEventPattern(processingRulePattern, event), matchesEventPattern(validationRulePattern, event)];
    // assess
    expect(matches).toEqual([true, false]);
  });

  it("does route a STORED event to validation only when process-audio publishes one", () => {
    // prepare
    expect(storedDetailSchema.safeParse(storedDetail).success).toBe(true);
    const event = envelope(storedDetail);
    // act
    const matches = [matchesEventPattern(processingRulePattern, event), matchesEventPattern(validationRulePattern, event)];
    // assess
    expect(matches).toEqual([false, true]);
  });

  it("does route a PENDING event nowhere when it carries no audio data", () => {
    // prepare
    const event = envelope({ ...pendingDetail, message: { action: "sendaudio", author: "alice" } });
    // act
    const matches = [matchesEventPattern(processingRulePattern, event), matchesEventPattern(validationRulePattern, event)];
    // assess
    expect(matches).toEqual([false, false]);
  });

  it("does route an event nowhere when it comes from another source", () => {
    // prepare
    const event = { ...envelope(storedDetail), source: "someone-else" };
    // act
    const matches = [matchesEventPattern(processingRulePattern, event), matchesEventPattern(validationRulePattern, event)];
    // assess
    expect(matches).toEqual([false, false]);
  });
});
