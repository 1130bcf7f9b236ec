import { ClientError, InternalError, UnauthenticatedError } from "./errors";

/** A chat failure the client hears about; it carries the status a `$connect` answers with. */
export abstract class ChatError extends ClientError {
  readonly status: number = 400;
}

export class UnknownTypeError extends ChatError {
  readonly code = "UNKNOWN_TYPE";
}

export class MessageTooLongError extends ChatError {
  readonly code = "MESSAGE_TOO_LONG";
}

export class EmptyMessageError extends ChatError {
  readonly code = "EMPTY_MESSAGE";
}

export class InvalidRoomIdError extends ChatError {
  readonly code = "INVALID_ROOM_ID";
}

export class InvalidUsernameError extends ChatError {
  readonly code = "INVALID_USERNAME";
}

export class NotInRoomError extends ChatError {
  readonly code = "NOT_IN_ROOM";
}

export class InvalidCursorError extends ChatError {
  readonly code = "INVALID_CURSOR";
}

export class RateLimitedError extends ChatError {
  readonly code = "RATE_LIMITED";
  override readonly status = 429;
}

/** The query names a user other than the token's. */
export class UserMismatchError extends ChatError {
  readonly code = "USER_MISMATCH";
  override readonly status = 403;
}

/** The HTTP status of a client error: the chat error's own, 401 for no identity, 500 for ours, 400 otherwise. */
export function statusOf(error: ClientError): number {
  if (error instanceof ChatError) return error.status;
  if (error instanceof UnauthenticatedError) return 401;
  if (error instanceof InternalError) return 500;
  return 400;
}
