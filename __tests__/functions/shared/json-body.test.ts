import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidJsonError } from "../../../functions/shared/errors";
import { parseJsonBody } from "../../../functions/shared/json-body";

describe("parseJsonBody", () => {
  it("does return the parsed value when the body is JSON", () => {
    // prepare
    const body = '{"action":"x","n":[1,2]}';
    // act
    const value = parseJsonBody(body);
    // assess
    expect(value).toEqual({ action: "x", n: [1, 2] });
  });

  it.each([
    ["undefined", undefined],
    ["null", null],
    ["empty", ""],
    ["only whitespace", " \t\n"],
  ])("does throw INVALID_JSON saying it is empty when the body is %s", (_name, body) => {
    // prepare: the body above
    // act
    const act = () => parseJsonBody(body);
    // assess
    expect(act).toThrow(InvalidJsonError);
    expect(act).toThrow("Message body is empty");
  });

  it("does quote at most 40 characters of the body when it is not JSON", () => {
    // prepare
    const body = `{${"x".repeat(100)}`;
    // act
    let message = "";
    try {
      parseJsonBody(body);
    } catch (error) {
      message = (error as Error).message;
    }
    // assess
    expect(message).toBe(`Message is not valid JSON: ${JSON.stringify(body.slice(0, 40))}`);
  });

  it("does either return JSON.parse's value or throw InvalidJsonError when given any string", () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string()), (body) => {
        // prepare: the body above
        let outcome: unknown;
        // act
        try {
          outcome = { value: parseJsonBody(body) };
        } catch (error) {
          outcome = error;
        }
        // assess
        if (outcome instanceof Error) {
          expect(outcome).toBeInstanceOf(InvalidJsonError);
        } else {
          expect(outcome).toEqual({ value: JSON.parse(body) });
        }
      }),
    );
  });
});
