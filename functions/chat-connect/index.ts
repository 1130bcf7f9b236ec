import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { chatLimits } from "../shared/chat-config";
import { positiveIntegerOr } from "../shared/env";
import { DEFAULT_ROOM_ID, displayName, isValidRoomId, ROOM_ATTRIBUTE, USER_ATTRIBUTE, type ChatConnection } from "../shared/chat-connection";
import { InvalidRoomIdError, InvalidUsernameError, UserMismatchError } from "../shared/chat-errors";
import { RoomDirectory } from "../shared/chat-rooms";
import { ConnectionStore } from "../shared/connection-store";
import { ClientError } from "../shared/errors";
import { observability, startInvocation } from "../shared/observability";
import { refuseConnection } from "../shared/reply";
import { readTableBinding } from "../shared/table-binding";
import { callerIdentity, type WebSocketEvent, type WebSocketResult } from "../shared/websocket-event";

// Past API Gateway's 2-hour connection limit, so TTL only collects records whose $disconnect never came.
const ttlSeconds = positiveIntegerOr("CONNECTION_TTL_SECONDS", 3 * 3600);
const limits = chatLimits();
const { logger } = observability("chat-connect");
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const store = new ConnectionStore<ChatConnection>(documents, readTableBinding("CONNECTIONS_TABLE", { ttl: true, indexesOn: [ROOM_ATTRIBUTE, USER_ATTRIBUTE] }));
const rooms = new RoomDirectory(documents, readTableBinding("ROOMS_TABLE"));

/** The record of a new connection: the user is the token's `cognito:username`; room and display name come from the query. */
export function connectionRecord(event: WebSocketEvent, now: number): ChatConnection {
  // The authorizer puts the token's sub in userId and its cognito:username in username; chat users are usernames.
  const userId = callerIdentity(event).username;
  const query = event.queryStringParameters ?? {};
  if (query.userId !== undefined && query.userId !== userId) {
    throw new UserMismatchError(`Query userId ${JSON.stringify(query.userId.slice(0, 80))} is not the token's user`);
  }
  const username = query.username === undefined ? userId : displayName(query.username);
  if (username === undefined) {
    throw new InvalidUsernameError(`Username must be 1-32 characters after trimming, got ${JSON.stringify(query.username!.slice(0, 80))}`);
  }
  const roomId = query.roomId ?? DEFAULT_ROOM_ID;
  if (!isValidRoomId(roomId)) {
    throw new InvalidRoomIdError(`Room id must be 1-64 letters, digits, hyphens or underscores, got ${JSON.stringify(roomId.slice(0, 80))}`);
  }
  return {
    connectionId: event.requestContext.connectionId,
    roomId,
    userId,
    username,
    connectedAt: now,
    rateTokens: limits.rateBurst,
    rateRefilledAt: now,
    rateVersion: 0,
    expiresAt: Math.floor(now / 1000) + ttlSeconds,
  };
}

export const handler = async (event: WebSocketEvent): Promise<WebSocketResult> => {
  startInvocation(logger, { connectionId: event.requestContext.connectionId, requestId: event.requestContext.requestId });
  let record: ChatConnection;
  try {
    record = connectionRecord(event, Date.now());
  } catch (error) {
    if (error instanceof ClientError) return refuseConnection(error, logger);
    throw error;
  }
  await store.put(record);
  try {
    await rooms.join(record.roomId!);
  } catch (error) {
    // A refused connection gets no $disconnect: take its record back, so the room's index never lists it.
    await store.remove(record.connectionId);
    throw error;
  }
  logger.info("Connected", { roomId: record.roomId, userId: record.userId });
  return { statusCode: 200, body: JSON.stringify({ roomId: record.roomId, userId: record.userId, username: record.username }) };
};
