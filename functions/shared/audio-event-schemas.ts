import * as z from "zod/mini";
import { AudioStatus } from "./audio-events";

const websocketContext = z.object({
  domain_name: z.string().check(z.minLength(1)),
  stage: z.string().check(z.minLength(1)),
  connection_id: z.string().check(z.minLength(1)),
});

export type WebSocketContext = z.infer<typeof websocketContext>;

/** Detail of the event the message function publishes. */
export const pendingDetailSchema = z.object({
  status: z.literal(AudioStatus.Pending),
  chunk_id: z.string().check(z.minLength(1), z.maxLength(256)),
  channel: z.string().check(z.minLength(1)),
  message: z.object({ action: z.string(), data: z.string().check(z.minLength(1)), author: z.string().check(z.minLength(1)) }),
  websocket_context: websocketContext,
  timestamp: z.iso.datetime(),
});

export type PendingDetail = z.infer<typeof pendingDetailSchema>;

/** Detail of the event process-audio publishes: the claim check, without the audio. */
export const storedDetailSchema = z.object({
  status: z.literal(AudioStatus.Stored),
  chunk_id: z.string().check(z.minLength(1), z.maxLength(256)),
  channel: z.string().check(z.minLength(1)),
  message: z.object({ action: z.string(), author: z.string().check(z.minLength(1)) }),
  websocket_context: websocketContext,
  timestamp: z.iso.datetime(),
  s3_key: z.string().check(z.startsWith("audio/")),
});

export type StoredDetail = z.infer<typeof storedDetailSchema>;

/** The message a sender receives when its chunk cannot be delivered. */
export function audioFailedMessage(author: string, timestamp: string, code: string, reason: string) {
  return {
    action: "audio_status",
    data: { status: AudioStatus.Failed, author, timestamp, code, message: reason },
  };
}
