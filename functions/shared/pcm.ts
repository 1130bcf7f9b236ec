/** Limits on one chunk of 16-bit little-endian mono PCM. */
export interface PcmLimits {
  maxBytes: number;
  sampleRateHz: number;
  maxDurationMs: number;
}

export type PcmVerdict =
  | { valid: true; durationMs: number }
  | { valid: false; code: "EMPTY_AUDIO" | "ODD_LENGTH" | "AUDIO_TOO_LARGE" | "AUDIO_TOO_LONG"; reason: string };

const BYTES_PER_SAMPLE = 2;

/** Checks that bytes can be 16-bit mono PCM within the limits; the format has no header to check beyond that. */
export function validatePcm(audio: Uint8Array, limits: PcmLimits): PcmVerdict {
  if (audio.byteLength === 0) {
    return { valid: false, code: "EMPTY_AUDIO", reason: "Audio chunk is empty" };
  }
  if (audio.byteLength % BYTES_PER_SAMPLE !== 0) {
    return {
      valid: false,
      code: "ODD_LENGTH",
      reason: `Audio chunk of ${audio.byteLength} bytes is not a whole number of 16-bit samples`,
    };
  }
  if (audio.byteLength > limits.maxBytes) {
    return {
      valid: false,
      code: "AUDIO_TOO_LARGE",
      reason: `Audio chunk of ${audio.byteLength} bytes is over the ${limits.maxBytes}-byte limit`,
    };
  }
  const durationMs = (audio.byteLength / BYTES_PER_SAMPLE / limits.sampleRateHz) * 1000;
  if (durationMs > limits.maxDurationMs) {
    return {
      valid: false,
      code: "AUDIO_TOO_LONG",
      reason: `Audio chunk of ${durationMs.toFixed(0)} ms is over the ${limits.maxDurationMs} ms limit`,
    };
  }
  return { valid: true, durationMs };
}
