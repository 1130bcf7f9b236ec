import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ClientError } from "../../../functions/shared/errors";
import { parseSignalingRequest, SIGNALING_TYPES } from "../../../functions/shared/signaling-messages";

const LIMIT = 256;
const CODES = new Set(["INVALID_JSON", "INVALID_MESSAGE", "UNKNOWN_TYPE", "PAYLOAD_TOO_LARGE"]);

describe("parseSignalingRequest", () => {
  it("does take a join, and an offer, answer or ICE candidate with its target and object payload", () => {
    // act and assess
    expect(parseSignalingRequest('{"type":"join","extra":1}', "type", LIMIT)).toEqual({ type: "join" });
    for (const type of ["offer", "answer", "ice-candidate"]) {
      expect(parseSignalingRequest(JSON.stringify({ type, targetId: "bob", payload: { sdp: "v=0" }, fromId: "mallory" }), "type", LIMIT)).toEqual({ type, targetId: "bob", payload: { sdp: "v=0" } });
    }
  });

  it("does measure the payload as the JSON relayed, in bytes", () => {
    // prepare: 2 bytes a character, so the characters fit and the bytes do not
    const payload = { sdp: "é".repeat(LIMIT / 2) };
    // act and assess
    expect(() => parseSignalingRequest(JSON.stringify({ type: "offer", targetId: "bob", payload }), "type", LIMIT)).toThrow(expect.objectContaining({ code: "PAYLOAD_TOO_LARGE" }));
  });

  it("does turn any string a client sends into a checked request or one of the protocol's errors, never anything else", () => {
    const anyBody = fc.oneof(
      fc.string(),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc
        .record(
          { type: fc.oneof(fc.constantFrom(...SIGNALING_TYPES, "bet", ""), fc.jsonValue()), targetId: fc.oneof(fc.string({ maxLength: 200 }), fc.jsonValue()), payload: fc.jsonValue(), fromId: fc.string() },
          { requiredKeys: [] },
        )
        .map((value) => JSON.stringify(value)),
    );
    fc.assert(
      fc.property(anyBody, (body) => {
        let request;
        try {
          request = parseSignalingRequest(body, "type", LIMIT);
        } catch (error) {
          expect(error).toBeInstanceOf(ClientError);
          expect(CODES.has((error as ClientError).code)).toBe(true);
          return;
        }
        expect(SIGNALING_TYPES).toContain(request.type);
        expect(request).not.toHaveProperty("fromId");
        if (request.type !== "join") {
          expect(typeof request.targetId).toBe("string");
          expect(request.targetId.length).toBeGreaterThan(0);
          expect(typeof request.payload === "object" && request.payload !== null && !Array.isArray(request.payload)).toBe(true);
          expect(Buffer.byteLength(JSON.stringify(request.payload))).toBeLessThanOrEqual(LIMIT);
        }
      }),
      { numRuns: 500 },
    );
  });
});
