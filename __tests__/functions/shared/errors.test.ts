import { describe, expect, it } from "vitest";
import {
  AuthorMismatchError,
  ClientError,
  errorReply,
  InternalError,
  InvalidBase64Error,
  InvalidChannelError,
  InvalidJsonError,
  InvalidMessageError,
  MissingDataError,
  NotConnectedError,
  PayloadTooLargeError,
  PublishFailedError,
  UnauthenticatedError,
  UnknownRouteError,
} from "../../../functions/shared/errors";

describe("client errors", () => {
  it.each([
    [InvalidJsonError, "INVALID_JSON"],
    [InvalidMessageError, "INVALID_MESSAGE"],
    [UnknownRouteError, "UNKNOWN_ROUTE"],
    [MissingDataError, "MISSING_DATA"],
    [InvalidBase64Error, "INVALID_BASE64"],
    [PayloadTooLargeError, "PAYLOAD_TOO_LARGE"],
    [AuthorMismatchError, "AUTHOR_MISMATCH"],
    [UnauthenticatedError, "UNAUTHENTICATED"],
    [NotConnectedError, "NOT_CONNECTED"],
    [InvalidChannelError, "INVALID_CHANNEL"],
    [PublishFailedError, "PUBLISH_FAILED"],
    [InternalError, "INTERNAL_ERROR"],
  ])("does carry its stable code and class name when %o is thrown", (ErrorClass, code) => {
    // prepare
    const error = new ErrorClass("what went wrong");
    // act
    const reply = errorReply(error, "action");
    // assess
    expect(error).toBeInstanceOf(ClientError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(ErrorClass.name);
    expect(reply).toEqual({ action: "error", code, message: "what went wrong" });
  });
});

describe("errorReply in another API's envelope", () => {
  it("does put the error's kind in the field the API routes on when that field is type", () => {
    // act
    const reply = errorReply(new InvalidJsonError("Message body is empty"), "type");
    // assess
    expect(reply).toEqual({ type: "error", code: "INVALID_JSON", message: "Message body is empty" });
  });
});
