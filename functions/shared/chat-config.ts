import { positiveIntegerOr } from "./env";

/** Chat's tunables, each with the default. */
export interface ChatLimits {
  /** Longest chat or private message, in characters. */
  maxMessageLength: number;
  /** Messages a second a connection may send, sustained. */
  ratePerSecond: number;
  /** Messages a connection may send at once after a quiet spell. */
  rateBurst: number;
  /** How long a stored message is kept, in days. */
  retentionDays: number;
}

export function chatLimits(env: NodeJS.ProcessEnv = process.env): ChatLimits {
  return {
    maxMessageLength: positiveIntegerOr("MAX_MESSAGE_LENGTH", 2000, env),
    ratePerSecond: positiveIntegerOr("RATE_LIMIT_PER_SECOND", 5, env),
    rateBurst: positiveIntegerOr("RATE_LIMIT_BURST", 10, env),
    retentionDays: positiveIntegerOr("MESSAGE_RETENTION_DAYS", 30, env),
  };
}
