import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ChatMembership } from "../shared/chat-membership";
import { connectionPoster } from "../shared/connection-poster";
import { RoomDirectory } from "../shared/chat-rooms";
import { postToConnections } from "../shared/chat-departures";
import { messageTypeField } from "../shared/envelope";
import { observability, startInvocation } from "../shared/observability";
import { readTableBinding } from "../shared/table-binding";
import { managementEndpoint, type WebSocketEvent, type WebSocketResult } from "../shared/websocket-event";

const typeField = messageTypeField();
const { logger } = observability("chat-disconnect");
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const membership = new ChatMembership(documents, readTableBinding("CONNECTIONS_TABLE", { ttl: true }), new RoomDirectory(documents, readTableBinding("ROOMS_TABLE")));

/** Removes the closing connection and its membership, and tells the rest of its room that its user left. */
export const handler = async (event: WebSocketEvent): Promise<WebSocketResult> => {
  const { connectionId, domainName, stage, requestId } = event.requestContext;
  startInvocation(logger, { connectionId, requestId });
  const old = await membership.remove(connectionId);
  const roomId = old?.roomId;
  if (typeof roomId === "string") {
    const others = (await membership.members(roomId)).map((member) => member.connectionId).filter((id) => id !== connectionId);
    const delivered = await postToConnections(
      { post: connectionPoster(managementEndpoint(domainName, stage)).asPost, membership, typeField, logger },
      others,
      { [typeField]: "user_left", roomId, userId: old!.userId, username: old!.username, timestamp: new Date().toISOString() },
    );
    logger.info("Disconnected", { roomId, delivered, told: others.length });
  } else {
    logger.info("Disconnected", { registered: old !== undefined });
  }
  return { statusCode: 200 };
};
