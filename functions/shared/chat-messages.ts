// Named imports from the mini build: the classic build, or `z` with every locale, nearly doubles this function's zip.
import { boolean, int, maxLength, maximum, minimum, minLength, object, optional, string, type infer as Infer } from "zod/mini";
import { EmptyMessageError, InvalidRoomIdError, MessageTooLongError } from "./chat-errors";
import { isValidRoomId } from "./chat-connection";
import { InvalidMessageError, UnknownTypeError } from "./errors";
import { parseJsonBody } from "./json-body";

export const CHAT_TYPES = ["chat", "join_room", "leave_room", "private_message", "room_list", "typing_indicator", "history"] as const;

const userId = string().check(minLength(1), maxLength(128));

const schemas = {
  chat: object({ message: string() }),
  join_room: object({ roomId: string() }),
  leave_room: object({}),
  private_message: object({ targetUserId: userId, message: string() }),
  room_list: object({}),
  typing_indicator: object({ isTyping: boolean() }),
  history: object({
    roomId: optional(string()),
    withUserId: optional(userId),
    before: optional(string()),
    limit: optional(int().check(minimum(1), maximum(100))),
  }),
} as const;

export type ChatType = (typeof CHAT_TYPES)[number];

/** A message that passed every check, by type. */
export type ChatRequest = { [T in ChatType]: { type: T } & Infer<(typeof schemas)[T]> }[ChatType];

function checkText(text: string, maxLength: number): string {
  if (text.trim() === "") throw new EmptyMessageError("Message is empty");
  const length = [...text].length;
  if (length > maxLength) throw new MessageTooLongError(`Message is ${length} characters, the limit is ${maxLength}`);
  return text;
}

function checkRoomId(roomId: string): string {
  if (!isValidRoomId(roomId)) {
    throw new InvalidRoomIdError(`Room id must be 1-64 letters, digits, hyphens or underscores, got ${JSON.stringify(roomId.slice(0, 80))}`);
  }
  return roomId;
}

/** Parses and checks a client message whose kind is in `field`; the first thing wrong with it becomes a ClientError. */
export function parseChatRequest(body: string | null | undefined, field: string, maxLength: number): ChatRequest {
  const value = parseJsonBody(body);
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InvalidMessageError("Message must be a JSON object");
  const kind = Object.hasOwn(value, field) ? (value as Record<string, unknown>)[field] : undefined;
  const list = CHAT_TYPES.join(", ");
  if (typeof kind !== "string" || kind === "") throw new InvalidMessageError(`Message has no "${field}" string; types are: ${list}`);
  if (!(CHAT_TYPES as readonly string[]).includes(kind)) {
    throw new UnknownTypeError(`Unknown ${field} ${JSON.stringify(kind.slice(0, 64))}; types are: ${list}`);
  }
  const type = kind as ChatType;
  const parsed = schemas[type].safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidMessageError(`Invalid ${type} message: ${issue.path.join(".") || "message"}: ${issue.message}`);
  }
  const request = { ...parsed.data, type } as ChatRequest;
  switch (request.type) {
    case "chat":
    case "private_message":
      checkText(request.message, maxLength);
      break;
    case "join_room":
      checkRoomId(request.roomId);
      break;
    case "history":
      if (request.roomId !== undefined && request.withUserId !== undefined) throw new InvalidMessageError("History takes roomId or withUserId, not both");
      if (request.roomId !== undefined) checkRoomId(request.roomId);
      break;
    default:
      break;
  }
  return request;
}
