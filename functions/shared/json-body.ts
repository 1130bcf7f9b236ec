import { InvalidJsonError } from "./errors";

/** Parses an incoming JSON value: the first thing wrong with it becomes a ClientError. */
export function parseJsonBody(body: string | null | undefined): unknown {
  if (body === undefined || body === null || body.trim() === "") {
    throw new InvalidJsonError("Message body is empty");
  }
  try {
    return JSON.parse(body);
  } catch {
    throw new InvalidJsonError(`Message is not valid JSON: ${JSON.stringify(body.slice(0, 40))}`);
  }
}
