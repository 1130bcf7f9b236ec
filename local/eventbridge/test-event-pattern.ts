/**
 * TestEventPattern: an invalid pattern is an InvalidEventPatternException; an event that is not a JSON object or
 * lacks a field AWS requires is a ValidationException ("Parameter Event is not valid", as AWS answers). The API
 * reference also lists `resources` as mandatory, but AWS accepts events without it, so this does too.
 */
import { parseEventPattern } from "./event-pattern";
import { validationError } from "./errors";

export const REQUIRED_EVENT_FIELDS = ["id", "account", "source", "time", "region", "detail-type"] as const;

export function testEventPattern(pattern: string, event: string): { Result: boolean } {
  const compiled = parseEventPattern(pattern);
  const parsed = parseEvent(event);
  const missing = REQUIRED_EVENT_FIELDS.filter((field) => !(field in parsed));
  if (missing.length > 0) {
    throw validationError(`Parameter Event is not valid: missing required field(s) ${missing.join(", ")}`);
  }
  return { Result: compiled.matches(parsed) };
}

function parseEvent(event: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(event);
  } catch (error) {
    throw validationError(`Parameter Event is not valid: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw validationError(`Parameter Event is not valid: expected a JSON object, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}
