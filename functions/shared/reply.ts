import type { Logger } from "@aws-lambda-powertools/logger";
import { errorReply, type ClientError } from "./errors";
import { managementClient, sdkPost, type ConnectionPost } from "./management-api";
import { managementEndpoint } from "./websocket-event";

export interface ConnectionAddress {
  domainName: string;
  stage: string;
  connectionId: string;
}

/**
 * Sends one JSON message to one connection; a closed connection or a failed post is logged, never thrown. `post` is
 * how it reaches the connection: the SDK client of the connection's API unless the caller posts another way.
 */
export async function sendToConnection(address: ConnectionAddress, payload: unknown, logger: Logger, post?: ConnectionPost): Promise<boolean> {
  try {
    const send = post ?? sdkPost(managementClient(managementEndpoint(address.domainName, address.stage)));
    const outcome = await send(address.connectionId, JSON.stringify(payload));
    if (outcome === "gone") {
      logger.info("Connection closed before the reply", { connectionId: address.connectionId });
    }
    return outcome === "delivered";
  } catch (error) {
    logger.error("Reply to connection failed", { connectionId: address.connectionId, error: error as Error });
    return false;
  }
}

/** Tells the client what went wrong, as `{"<field>": "error", "code", "message"}` with the field its API routes on. */
export async function replyWithError(address: ConnectionAddress, error: ClientError, field: string, logger: Logger, post?: ConnectionPost): Promise<void> {
  logger.info("Client error", { code: error.code, reason: error.message });
  await sendToConnection(address, errorReply(error, field), logger, post);
}
