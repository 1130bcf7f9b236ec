import { ClientError } from "./errors";

export class MessageTooLongError extends ClientError {
  readonly code = "MESSAGE_TOO_LONG";
}

export class EmptyMessageError extends ClientError {
  readonly code = "EMPTY_MESSAGE";
}

export class InvalidRoomIdError extends ClientError {
  readonly code = "INVALID_ROOM_ID";
}

export class InvalidUsernameError extends ClientError {
  readonly code = "INVALID_USERNAME";
}

export class NotInRoomError extends ClientError {
  readonly code = "NOT_IN_ROOM";
}

export class InvalidCursorError extends ClientError {
  readonly code = "INVALID_CURSOR";
}

export class RateLimitedError extends ClientError {
  readonly code = "RATE_LIMITED";
  override readonly status = 429;
}

/** The query names a user other than the token's. */
export class UserMismatchError extends ClientError {
  readonly code = "USER_MISMATCH";
  override readonly status = 403;
}
