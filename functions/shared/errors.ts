/** A failure the client caused or must hear about; `code` is stable and part of the API. */
export abstract class ClientError extends Error {
  abstract readonly code: string;
  /** The HTTP status a `$connect` (or a route's integration response) answers with. */
  readonly status: number = 400;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidJsonError extends ClientError {
  readonly code = "INVALID_JSON";
}

export class InvalidMessageError extends ClientError {
  readonly code = "INVALID_MESSAGE";
}

export class UnknownRouteError extends ClientError {
  readonly code = "UNKNOWN_ROUTE";
}

export class MissingDataError extends ClientError {
  readonly code = "MISSING_DATA";
}

export class InvalidBase64Error extends ClientError {
  readonly code = "INVALID_BASE64";
}

export class PayloadTooLargeError extends ClientError {
  readonly code = "PAYLOAD_TOO_LARGE";
}

export class AuthorMismatchError extends ClientError {
  readonly code = "AUTHOR_MISMATCH";
}

export class UnauthenticatedError extends ClientError {
  readonly code = "UNAUTHENTICATED";
  override readonly status = 401;
}

export class NotConnectedError extends ClientError {
  readonly code = "NOT_CONNECTED";
}

export class InvalidChannelError extends ClientError {
  readonly code = "INVALID_CHANNEL";
}

export class PublishFailedError extends ClientError {
  readonly code = "PUBLISH_FAILED";
}

export class InternalError extends ClientError {
  readonly code = "INTERNAL_ERROR";
  override readonly status = 500;
}

/** A message whose kind names no type the API has; the message names those it has. */
export class UnknownTypeError extends ClientError {
  readonly code = "UNKNOWN_TYPE";
}


/** The message a client receives for an error, on the connection it used: `{"<field>": "error", "code", "message"}`. */
export type ErrorReply = Record<string, string> & { code: string; message: string };

/** The error as a message whose kind is in `field`, the field the API routes on (`action`, `type`). */
export function errorReply(error: ClientError, field: string): ErrorReply {
  return { [field]: "error", code: error.code, message: error.message };
}
