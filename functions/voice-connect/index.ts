import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ConnectionStore } from "../shared/connection-store";
import { positiveInteger, readEnvironment } from "../shared/env";
import { ClientError, InvalidChannelError } from "../shared/errors";
import { observability, startInvocation } from "../shared/observability";
import { readTableBinding } from "../shared/table-binding";
import { isValidChannel, type VoiceConnection } from "../shared/voice-connection";
import { callerIdentity, type WebSocketEvent, type WebSocketResult } from "../shared/websocket-event";

const env = readEnvironment(["CONNECTION_TTL_SECONDS", "DEFAULT_CHANNEL"]);
const ttlSeconds = positiveInteger("CONNECTION_TTL_SECONDS", env.CONNECTION_TTL_SECONDS);
const { logger } = observability("voice-connect");
const store = new ConnectionStore<VoiceConnection>(DynamoDBDocumentClient.from(new DynamoDBClient({})), readTableBinding("CONNECTIONS_TABLE", { ttl: true }));

/** The record of a new connection; the channel comes from `?channel=`, the identity from the authorizer. */
export function connectionRecord(event: WebSocketEvent, defaultChannel: string, now: number): VoiceConnection {
  const caller = callerIdentity(event);
  const channel = event.queryStringParameters?.channel ?? defaultChannel;
  if (!isValidChannel(channel)) {
    throw new InvalidChannelError(
      `Channel must be 1-64 letters, digits, hyphens or underscores, got ${JSON.stringify(channel.slice(0, 80))}`,
    );
  }
  return {
    connectionId: event.requestContext.connectionId,
    channel,
    userId: caller.userId,
    username: caller.username,
    connectedAt: now,
    expiresAt: Math.floor(now / 1000) + ttlSeconds,
  };
}

export const handler = async (event: WebSocketEvent): Promise<WebSocketResult> => {
  startInvocation(logger, { connectionId: event.requestContext.connectionId, requestId: event.requestContext.requestId });
  let record: VoiceConnection;
  try {
    record = connectionRecord(event, env.DEFAULT_CHANNEL, Date.now());
  } catch (error) {
    if (error instanceof ClientError) {
      logger.info("Connection refused", { code: error.code, reason: error.message });
      const statusCode = error.code === "UNAUTHENTICATED" ? 401 : 400;
      return { statusCode, body: JSON.stringify({ code: error.code, message: error.message }) };
    }
    throw error;
  }
  await store.put(record);
  logger.info("Connected", { channel: record.channel, userId: record.userId });
  return { statusCode: 200 };
};
