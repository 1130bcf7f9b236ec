import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validatePcm } from "../../../functions/shared/pcm";

// 16 kHz, 50 ms: 800 samples, 1600 bytes; the byte limit is above that so both limits can be reached.
const limits = { maxBytes: 3200, sampleRateHz: 16_000, maxDurationMs: 50 };

describe("validatePcm", () => {
  it("does accept a chunk and report its duration when it is whole samples within both limits", () => {
    // prepare
    const audio = new Uint8Array(320);
    // act
    const verdict = validatePcm(audio, limits);
    // assess
    expect(verdict).toEqual({ valid: true, durationMs: 10 });
  });

  it("does accept a chunk when it lasts exactly the maximum duration", () => {
    // prepare
    const audio = new Uint8Array(1600);
    // act
    const verdict = validatePcm(audio, limits);
    // assess
    expect(verdict).toEqual({ valid: true, durationMs: 50 });
  });

  it.each([
    ["empty", 0, "EMPTY_AUDIO"],
    ["an odd number of bytes", 321, "ODD_LENGTH"],
    ["a single byte", 1, "ODD_LENGTH"],
    ["over the byte limit", 3202, "AUDIO_TOO_LARGE"],
    ["over the duration limit by one sample", 1602, "AUDIO_TOO_LONG"],
    ["at the byte limit but over the duration", 3200, "AUDIO_TOO_LONG"],
  ])("does reject with the code when the chunk is %s", (_name, length, code) => {
    // prepare
    const audio = new Uint8Array(length);
    // act
    const verdict = validatePcm(audio, limits);
    // assess
    expect(verdict).toMatchObject({ valid: false, code });
    expect(verdict.valid ? "" : verdict.reason).toMatch(/\S/);
  });

  it("does report the odd size in the reason when the length is odd", () => {
    // prepare
    const audio = new Uint8Array(7);
    // act
    const verdict = validatePcm(audio, limits);
    // assess
    expect(verdict.valid ? "" : verdict.reason).toContain("7 bytes");
  });

  it("does agree with the limits arithmetic when given any length and limits", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 20_000 }),
        fc.integer({ min: 1, max: 20_000 }),
        fc.integer({ min: 1, max: 48_000 }),
        fc.integer({ min: 1, max: 1_000 }),
        (length, maxBytes, sampleRateHz, maxDurationMs) => {
          // prepare
          const audio = new Uint8Array(length);
          const expectedValid =
            length > 0 && length % 2 === 0 && length <= maxBytes && (length / 2 / sampleRateHz) * 1000 <= maxDurationMs;
          // act
          const verdict = validatePcm(audio, { maxBytes, sampleRateHz, maxDurationMs });
          // assess
          expect(verdict.valid).toBe(expectedValid);
          if (verdict.valid) {
            expect(verdict.durationMs).toBeCloseTo((length / 2 / sampleRateHz) * 1000, 9);
          }
        },
      ),
    );
  });
});
