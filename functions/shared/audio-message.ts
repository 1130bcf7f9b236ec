import * as z from "zod/mini";
import {
  AuthorMismatchError,
  InvalidBase64Error,
  InvalidMessageError,
  MissingDataError,
  PayloadTooLargeError,
} from "./errors";
import { parseJsonBody } from "./json-body";
import type { CallerIdentity } from "./websocket-event";

export interface AudioMessage {
  action: string;
  /** Base64 PCM, as the client sent it. */
  data: string;
  /** The caller's verified username. */
  author: string;
}

const audioMessageSchema = z.object({
  action: z.string().check(z.maxLength(64)),
  // z.unknown() alone makes the key required; a message may omit author, and a missing data is MISSING_DATA.
  data: z.optional(z.unknown()),
  author: z.optional(z.unknown()),
});

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Bytes that base64 text decodes to, without decoding it. */
export function decodedLength(base64: string): number {
  const padding = base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0;
  return (base64.length / 4) * 3 - padding;
}

/** Checks a `sendaudio`/`audio` message: JSON object, base64 `data` within the limit, `author` (if any) the caller. */
export function parseAudioMessage(
  body: string | null | undefined,
  caller: CallerIdentity,
  maxAudioBytes: number,
): AudioMessage {
  const json = parseJsonBody(body);
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new InvalidMessageError("Message must be a JSON object");
  }
  const parsed = audioMessageSchema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidMessageError("Message must have a string action of at most 64 characters");
  }
  const { action, data, author } = parsed.data;
  if (data === undefined || data === null || data === "") {
    throw new MissingDataError("Message has no audio in data");
  }
  if (typeof data !== "string") {
    throw new InvalidBase64Error(`Audio data must be a base64 string, got ${typeof data}`);
  }
  // Checked before the characters so an oversized message is rejected without scanning it.
  const maxBase64Length = Math.ceil(maxAudioBytes / 3) * 4;
  if (data.length > maxBase64Length) {
    throw new PayloadTooLargeError(`Audio of about ${Math.floor((data.length * 3) / 4)} bytes is over the ${maxAudioBytes}-byte limit`);
  }
  if (data.length % 4 !== 0 || !BASE64.test(data)) {
    throw new InvalidBase64Error("Audio data is not valid base64");
  }
  const size = decodedLength(data);
  if (size > maxAudioBytes) {
    throw new PayloadTooLargeError(`Audio of ${size} bytes is over the ${maxAudioBytes}-byte limit`);
  }
  if (author !== undefined && author !== null) {
    if (typeof author !== "string") {
      throw new InvalidMessageError(`Author must be a string, got ${typeof author}`);
    }
    if (author !== caller.username) {
      throw new AuthorMismatchError(`Author ${JSON.stringify(author.slice(0, 64))} is not the connected player`);
    }
  }
  return { action, data, author: caller.username };
}
