import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ConnectionStore } from "../shared/connection-store";
import { readEnvironment } from "../shared/env";
import { observability, startInvocation } from "../shared/observability";
import type { WebSocketEvent, WebSocketResult } from "../shared/websocket-event";

const env = readEnvironment(["CONNECTIONS_TABLE"]);
const { logger } = observability("voice-disconnect");
const store = new ConnectionStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), env.CONNECTIONS_TABLE);

export const handler = async (event: WebSocketEvent): Promise<WebSocketResult> => {
  startInvocation(logger, { connectionId: event.requestContext.connectionId, requestId: event.requestContext.requestId });
  await store.remove(event.requestContext.connectionId);
  logger.info("Disconnected");
  return { statusCode: 200 };
};
