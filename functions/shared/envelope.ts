import { EnvironmentError } from "./env";

/** The variable the WebSocket module sets on every route's function: the body field its API routes on. */
export const MESSAGE_TYPE_FIELD_VARIABLE = "MESSAGE_TYPE_FIELD";

/**
 * The field that names a message's kind, as the API's route selection expression (`$request.body.<field>`) reads it:
 * `action` for game voice, `type` for chat. Replies and errors carry their kind in the same field, so a client reads
 * what it writes. Read once, at cold start.
 */
export function messageTypeField(env: NodeJS.ProcessEnv = process.env): string {
  const field = env[MESSAGE_TYPE_FIELD_VARIABLE];
  if (!field) throw new EnvironmentError(`Environment variable ${MESSAGE_TYPE_FIELD_VARIABLE} is not set`);
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(field)) {
    throw new EnvironmentError(`Environment variable ${MESSAGE_TYPE_FIELD_VARIABLE} must name a body field, got "${field}"`);
  }
  return field;
}
