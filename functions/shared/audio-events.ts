/**
 * The contract between the voice functions and the rules that route their events.
 * Each status is matched by exactly one rule, so no event is processed by two stages.
 */
export const AUDIO_EVENT_SOURCE = "voice-chat";
export const AUDIO_EVENT_DETAIL_TYPE = "SendAudioEvent";

export const AudioStatus = {
  /** Published by the message function: the chunk, base64, not yet stored. */
  Pending: "PENDING",
  /** Published by process-audio: the chunk is in S3 under `s3_key`; the audio itself is not in the event. */
  Stored: "STORED",
  /** Sent to listeners by validate-audio. */
  Validated: "VALIDATED",
  /** Sent to the sender when a chunk cannot be stored or fails validation. */
  Failed: "FAILED",
} as const;

export type AudioStatus = (typeof AudioStatus)[keyof typeof AudioStatus];

const websocketContextPattern = {
  domain_name: [{ exists: true }],
  stage: [{ exists: true }],
  connection_id: [{ exists: true }],
};

/** Matches the events process-audio consumes. */
export const processingRulePattern = {
  source: [AUDIO_EVENT_SOURCE],
  "detail-type": [AUDIO_EVENT_DETAIL_TYPE],
  detail: {
    status: [AudioStatus.Pending],
    chunk_id: [{ exists: true }],
    channel: [{ exists: true }],
    websocket_context: websocketContextPattern,
    message: { data: [{ exists: true }], author: [{ exists: true }] },
  },
};

/** Matches the events validate-audio consumes. */
export const validationRulePattern = {
  source: [AUDIO_EVENT_SOURCE],
  "detail-type": [AUDIO_EVENT_DETAIL_TYPE],
  detail: {
    status: [AudioStatus.Stored],
    chunk_id: [{ exists: true }],
    channel: [{ exists: true }],
    websocket_context: websocketContextPattern,
    message: { author: [{ exists: true }] },
    s3_key: [{ exists: true }],
  },
};
