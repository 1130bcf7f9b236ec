import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodedLength, parseAudioMessage } from "../../../functions/shared/audio-message";
import { ClientError } from "../../../functions/shared/errors";
import { base64Of } from "../support";

const caller = { userId: "user-alice", username: "alice" };
const MAX = 1024;
const CLIENT_CODES = ["INVALID_JSON", "INVALID_MESSAGE", "MISSING_DATA", "INVALID_BASE64", "PAYLOAD_TOO_LARGE", "AUTHOR_MISMATCH"];

/** The code of the ClientError that parsing the body throws, or undefined when it parses. */
function codeOf(body: string | null | undefined, maxBytes = MAX): string | undefined {
  try {
    parseAudioMessage(body, caller, maxBytes);
    return undefined;
  } catch (error) {
    if (!(error instanceof ClientError)) {
      throw error;
    }
    return error.code;
  }
}

describe("decodedLength", () => {
  it("does count the bytes Buffer decodes when given any bytes as base64", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        // prepare
        const text = Buffer.from(bytes).toString("base64");
        // act
        const length = decodedLength(text);
        // assess
        expect(length).toBe(bytes.length);
      }),
    );
  });
});

describe("parseAudioMessage", () => {
  it("does return the action, data and the caller as author when the message is valid", () => {
    // prepare
    const data = base64Of(10);
    // act
    const message = parseAudioMessage(JSON.stringify({ action: "sendaudio", data, author: "alice", extra: 1 }), caller, MAX);
    // assess
    expect(message).toEqual({ action: "sendaudio", data, author: "alice" });
  });

  it("does take the caller as author when the message names none", () => {
    // prepare
    const body = JSON.stringify({ action: "sendaudio", data: base64Of(4) });
    // act
    const message = parseAudioMessage(body, caller, MAX);
    // assess
    expect(message.author).toBe("alice");
  });

  it("does take the caller as author when the message's author is null", () => {
    // prepare
    const body = JSON.stringify({ action: "sendaudio", data: base64Of(4), author: null });
    // act
    const message = parseAudioMessage(body, caller, MAX);
    // assess
    expect(message.author).toBe("alice");
  });

  it.each([
    ["not JSON", "{nope", "INVALID_JSON"],
    ["empty", "", "INVALID_JSON"],
    ["blank", "  \n ", "INVALID_JSON"],
    ["null", null, "INVALID_JSON"],
    ["undefined", undefined, "INVALID_JSON"],
    ["an array", "[1,2]", "INVALID_MESSAGE"],
    ["a number", "42", "INVALID_MESSAGE"],
    ["a string", '"text"', "INVALID_MESSAGE"],
    ["JSON null", "null", "INVALID_MESSAGE"],
    ["without action", JSON.stringify({ data: base64Of(4) }), "INVALID_MESSAGE"],
    ["with a numeric action", JSON.stringify({ action: 7, data: base64Of(4) }), "INVALID_MESSAGE"],
    ["with an action over 64 characters", JSON.stringify({ action: "a".repeat(65), data: base64Of(4) }), "INVALID_MESSAGE"],
    ["with a numeric author", JSON.stringify({ action: "sendaudio", data: base64Of(4), author: 5 }), "INVALID_MESSAGE"],
    ["with an object author", JSON.stringify({ action: "sendaudio", data: base64Of(4), author: { name: "alice" } }), "INVALID_MESSAGE"],
    ["without data", JSON.stringify({ action: "sendaudio" }), "MISSING_DATA"],
    ["with null data", JSON.stringify({ action: "sendaudio", data: null }), "MISSING_DATA"],
    ["with empty data", JSON.stringify({ action: "sendaudio", data: "" }), "MISSING_DATA"],
    ["with numeric data", JSON.stringify({ action: "sendaudio", data: 123 }), "INVALID_BASE64"],
    ["with array data", JSON.stringify({ action: "sendaudio", data: [1, 2] }), "INVALID_BASE64"],
    ["with non-base64 characters", JSON.stringify({ action: "sendaudio", data: "@@@@" }), "INVALID_BASE64"],
    ["with a length not a multiple of 4", JSON.stringify({ action: "sendaudio", data: "abc" }), "INVALID_BASE64"],
    ["with padding in the middle", JSON.stringify({ action: "sendaudio", data: "AA==AAAA" }), "INVALID_BASE64"],
    ["with three padding characters", JSON.stringify({ action: "sendaudio", data: "A===" }), "INVALID_BASE64"],
    ["with URL-safe base64", JSON.stringify({ action: "sendaudio", data: "ab-_" }), "INVALID_BASE64"],
    ["naming another author", JSON.stringify({ action: "sendaudio", data: base64Of(4), author: "mallory" }), "AUTHOR_MISMATCH"],
    ["naming an empty author", JSON.stringify({ action: "sendaudio", data: base64Of(4), author: "" }), "AUTHOR_MISMATCH"],
    ["naming the author in another case", JSON.stringify({ action: "sendaudio", data: base64Of(4), author: "Alice" }), "AUTHOR_MISMATCH"],
  ])("does throw the right ClientError when the message is %s", (_name, body, code) => {
    // prepare: the body above
    // act
    const actual = codeOf(body);
    // assess
    expect(actual).toBe(code);
  });

  it("does accept audio of exactly the limit when the data decodes to maxAudioBytes", () => {
    // prepare
    const body = JSON.stringify({ action: "sendaudio", data: base64Of(MAX) });
    // act
    const code = codeOf(body);
    // assess
    expect(code).toBeUndefined();
  });

  it("does throw PAYLOAD_TOO_LARGE when the data decodes to one byte over the limit", () => {
    // prepare: 1025 bytes encode to as many characters as 1024 bytes, so only the decoded size catches it
    const data = base64Of(MAX + 1);
    expect(data.length).toBe(Math.ceil(MAX / 3) * 4);
    // act
    const code = codeOf(JSON.stringify({ action: "sendaudio", data }));
    // assess
    expect(code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("does throw PAYLOAD_TOO_LARGE before checking characters when the text is longer than any allowed audio", () => {
    // prepare: too long and not base64 either; size is reported first
    const data = "!".repeat(Math.ceil(MAX / 3) * 4 + 4);
    // act
    const code = codeOf(JSON.stringify({ action: "sendaudio", data }));
    // assess
    expect(code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("does check the size before the author when both are wrong", () => {
    // prepare
    const body = JSON.stringify({ action: "sendaudio", data: base64Of(MAX + 3), author: "mallory" });
    // act
    const code = codeOf(body);
    // assess
    expect(code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("does cap the author quoted in AUTHOR_MISMATCH when the author is long", () => {
    // prepare
    const body = JSON.stringify({ action: "sendaudio", data: base64Of(4), author: "m".repeat(10_000) });
    // act
    let message = "";
    try {
      parseAudioMessage(body, caller, MAX);
    } catch (error) {
      message = (error as Error).message;
    }
    // assess
    expect(message).toContain(`"${"m".repeat(64)}"`);
    expect(message.length).toBeLessThan(200);
  });

  it("does either return a message of the caller within the limit or throw a ClientError when given any input", () => {
    const base64 = fc.uint8Array({ maxLength: MAX + 8 }).map((bytes) => Buffer.from(bytes).toString("base64"));
    const candidate = fc.record(
      {
        action: fc.oneof(fc.constant("sendaudio"), fc.string(), fc.anything()),
        data: fc.oneof(base64, fc.string(), fc.anything()),
        author: fc.oneof(fc.constant("alice"), fc.string(), fc.anything()),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      fc.json(),
      fc.string(),
      candidate.map((value) => JSON.stringify(value)),
      fc.constantFrom(null, undefined, "", " "),
    );
    fc.assert(
      fc.property(body, (input) => {
        // prepare: the input above
        let outcome: unknown;
        // act
        try {
          outcome = parseAudioMessage(input, caller, MAX);
        } catch (error) {
          outcome = error;
        }
        // assess
        if (outcome instanceof Error) {
          expect(outcome).toBeInstanceOf(ClientError);
          expect(CLIENT_CODES).toContain((outcome as ClientError).code);
          return;
        }
        const message = outcome as { action: string; data: string; author: string };
        expect(message.author).toBe("alice");
        expect(typeof message.action).toBe("string");
        expect(message.action.length).toBeLessThanOrEqual(64);
        const bytes = Buffer.from(message.data, "base64");
        expect(bytes.length).toBeGreaterThan(0);
        expect(bytes.length).toBeLessThanOrEqual(MAX);
        expect(message.data).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
        expect(message.data.length % 4).toBe(0);
      }),
    );
  });
});
