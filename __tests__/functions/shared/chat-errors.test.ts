import { describe, expect, it } from "vitest";
import { InvalidCursorError, RateLimitedError, UserMismatchError } from "../../../functions/shared/chat-errors";
import { InternalError, InvalidJsonError, UnauthenticatedError, UnknownTypeError } from "../../../functions/shared/errors";

describe("a client error's status", () => {
  it.each([
    ["a user mismatch", new UserMismatchError("x"), 403],
    ["rate limiting", new RateLimitedError("x"), 429],
    ["a bad cursor", new InvalidCursorError("x"), 400],
    ["an unknown type", new UnknownTypeError("x"), 400],
    ["no identity", new UnauthenticatedError("x"), 401],
    ["our own failure", new InternalError("x"), 500],
    ["bad JSON", new InvalidJsonError("x"), 400],
  ])("does answer the error's own status when the error is %s", (_name, error, status) => {
    // act
    const answered = error.status;
    // assess
    expect(answered).toBe(status);
  });

  it("does keep each chat code stable when the class is constructed", () => {
    // assess
    expect([new UnknownTypeError("x").code, new RateLimitedError("x").code, new UserMismatchError("x").code]).toEqual(["UNKNOWN_TYPE", "RATE_LIMITED", "USER_MISMATCH"]);
  });
});
