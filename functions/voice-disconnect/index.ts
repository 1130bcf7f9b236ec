import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ConnectionStore } from "../shared/connection-store";
import { observability, startInvocation } from "../shared/observability";
import { readTableBinding } from "../shared/table-binding";
import type { VoiceConnection } from "../shared/voice-connection";
import type { WebSocketEvent, WebSocketResult } from "../shared/websocket-event";

const { logger } = observability("voice-disconnect");
const store = new ConnectionStore<VoiceConnection>(DynamoDBDocumentClient.from(new DynamoDBClient({})), readTableBinding("CONNECTIONS_TABLE", { ttl: true }));

export const handler = async (event: WebSocketEvent): Promise<WebSocketResult> => {
  startInvocation(logger, { connectionId: event.requestContext.connectionId, requestId: event.requestContext.requestId });
  await store.remove(event.requestContext.connectionId);
  logger.info("Disconnected");
  return { statusCode: 200 };
};
