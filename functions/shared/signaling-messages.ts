import { InvalidMessageError, PayloadTooLargeError, UnknownTypeError } from "./errors";
import { parseJsonBody } from "./json-body";

/** Messages relayed to one peer of the sender's game. */
export const SIGNAL_TYPES = ["offer", "answer", "ice-candidate"] as const;
export const SIGNALING_TYPES = ["join", ...SIGNAL_TYPES] as const;

export type SignalType = (typeof SIGNAL_TYPES)[number];

export type SignalingRequest = { type: "join" } | { type: SignalType; targetId: string; payload: Record<string, unknown> };

/** Longest player id: a Cognito username is at most 128 characters. */
const MAX_PLAYER_ID_LENGTH = 128;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Parses and checks a client message whose kind is in `field`; the first thing wrong with it becomes a ClientError.
 * A payload is measured as the JSON it is relayed as, in bytes, against `maxPayloadBytes`.
 */
export function parseSignalingRequest(body: string | null | undefined, field: string, maxPayloadBytes: number): SignalingRequest {
  const value = parseJsonBody(body);
  if (!isObject(value)) throw new InvalidMessageError("Message must be a JSON object");
  const kind = Object.hasOwn(value, field) ? value[field] : undefined;
  if (typeof kind !== "string") throw new InvalidMessageError(`Message must have a string "${field}"`);
  if (kind === "join") return { type: "join" };
  if (!(SIGNAL_TYPES as readonly string[]).includes(kind)) {
    throw new UnknownTypeError(`Unknown ${field} ${JSON.stringify(kind.slice(0, 64))}; types are: ${SIGNALING_TYPES.join(", ")}`);
  }
  const targetId = Object.hasOwn(value, "targetId") ? value.targetId : undefined;
  if (typeof targetId !== "string" || targetId.length === 0 || targetId.length > MAX_PLAYER_ID_LENGTH) {
    throw new InvalidMessageError(`A ${kind} must have a string "targetId" of 1 to ${MAX_PLAYER_ID_LENGTH} characters`);
  }
  const payload = Object.hasOwn(value, "payload") ? value.payload : undefined;
  if (!isObject(payload)) throw new InvalidMessageError(`A ${kind} must have an object "payload"`);
  const bytes = Buffer.byteLength(JSON.stringify(payload), "utf8");
  if (bytes > maxPayloadBytes) throw new PayloadTooLargeError(`Payload is ${bytes} bytes, the limit is ${maxPayloadBytes}`);
  return { type: kind as SignalType, targetId, payload };
}
