import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { isConditionFailure } from "./condition-failure";

export interface BucketState {
  tokens: number;
  /** Epoch milliseconds. */
  refilledAt: number;
}

export interface BucketConfig {
  ratePerSecond: number;
  burst: number;
}

/** Token bucket: refills `ratePerSecond` up to `burst`, and a message takes one token; pure, for direct tests. */
export function takeToken(state: BucketState, now: number, config: BucketConfig): { allowed: boolean; state: BucketState } {
  const elapsed = Math.max(0, now - state.refilledAt);
  const tokens = Math.min(config.burst, state.tokens + (elapsed * config.ratePerSecond) / 1000);
  if (tokens < 1) return { allowed: false, state: { tokens, refilledAt: Math.max(now, state.refilledAt) } };
  return { allowed: true, state: { tokens: tokens - 1, refilledAt: Math.max(now, state.refilledAt) } };
}

export type RateOutcome = "allowed" | "limited" | "not-connected";

/** Each lost race means another message of the connection took a token, so a few attempts cover a burst's contenders. */
const ATTEMPTS = 8;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes one token from a connection's bucket, kept in its record: read, compute, and write back only if `rateVersion`
 * is still the one read, so concurrent Lambda environments never both spend the same token. A lost race re-reads after
 * a short random pause; a connection so contended it loses every attempt is limited. The record read comes back with
 * every outcome but "not-connected", so a caller needs no second read.
 */
export async function takeConnectionToken(
  documents: DynamoDBDocumentClient,
  tableName: string,
  connectionId: string,
  config: BucketConfig,
  now: () => number = Date.now,
): Promise<{ outcome: RateOutcome; item?: Record<string, unknown> }> {
  let last: Record<string, unknown> | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    if (attempt > 0) await pause(Math.random() * 5 * attempt);
    const { Item: item } = await documents.send(
      new GetCommand({ TableName: tableName, Key: { connectionId }, ConsistentRead: true }),
    );
    if (!item) return { outcome: "not-connected" };
    last = item;
    const version = typeof item.rateVersion === "number" ? item.rateVersion : 0;
    const seen: BucketState = {
      tokens: typeof item.rateTokens === "number" ? item.rateTokens : config.burst,
      refilledAt: typeof item.rateRefilledAt === "number" ? item.rateRefilledAt : 0,
    };
    const { allowed, state } = takeToken(seen, now(), config);
    if (!allowed) return { outcome: "limited", item };
    try {
      await documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { connectionId },
          UpdateExpression: "SET rateTokens = :tokens, rateRefilledAt = :at, rateVersion = :next",
          ConditionExpression:
            typeof item.rateVersion === "number" ? "rateVersion = :seen" : "attribute_exists(connectionId) AND attribute_not_exists(rateVersion)",
          ExpressionAttributeValues: {
            ":tokens": state.tokens,
            ":at": state.refilledAt,
            ":next": version + 1,
            ...(typeof item.rateVersion === "number" ? { ":seen": version } : {}),
          },
        }),
      );
      return { outcome: "allowed", item };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  return { outcome: "limited", item: last };
}
