import type { Logger } from "@aws-lambda-powertools/logger";
import { ClientError, errorReply, InternalError } from "./errors";
import { connectionPoster } from "./connection-poster";
import type { ConnectionPost } from "./management-api";
import { managementEndpoint, type WebSocketEvent, type WebSocketResult } from "./websocket-event";

export interface ConnectionAddress {
  domainName: string;
  stage: string;
  connectionId: string;
}

/**
 * Sends one JSON message to one connection; a closed connection or a failed post is logged, never thrown. `post` is
 * how it reaches the connection: the signed keep-alive poster of the connection's API unless the caller posts another
 * way.
 */
export async function sendToConnection(address: ConnectionAddress, payload: unknown, logger: Logger, post?: ConnectionPost): Promise<boolean> {
  try {
    const send = post ?? connectionPoster(managementEndpoint(address.domainName, address.stage)).asPost;
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

export interface ErrorReplyOptions {
  /** How the reply reaches the connection. @default - the signed keep-alive poster of the connection's API */
  post?: ConnectionPost;
  /** Whether the reply carries an ISO `timestamp`, as every server message of some protocols does. @default false */
  timestamped?: boolean;
}

/**
 * Tells the client what went wrong, as `{"<field>": "error", "code", "message"}` with the field its API routes on,
 * and the `timestamp` when the protocol stamps its messages.
 */
export async function replyWithError(address: ConnectionAddress, error: ClientError, field: string, logger: Logger, options: ErrorReplyOptions = {}): Promise<void> {
  logger.info("Client error", { code: error.code, reason: error.message });
  const reply = options.timestamped ? { ...errorReply(error, field), timestamp: new Date().toISOString() } : errorReply(error, field);
  await sendToConnection(address, reply, logger, options.post);
}

export interface MessageReplies extends ErrorReplyOptions {
  /** The body field the API routes on; the error reply carries `error` in it. */
  field: string;
  logger: Logger;
  /** What an unexpected failure tells the client it was doing, e.g. "Message could not be handled". */
  internalMessage: string;
}

/**
 * Answers one message: `answer` does the work and returns what to log; any failure becomes exactly one error reply
 * on the sender's connection (`INTERNAL_ERROR` with the request id for a failure of ours, logged with its stack), and
 * the integration answers the error's status. Nothing is thrown, so a message never fails its invocation.
 */
export async function answerOrReplyWithError(event: WebSocketEvent, replies: MessageReplies, answer: () => Promise<Record<string, unknown>>): Promise<WebSocketResult> {
  const { connectionId, domainName, stage, requestId } = event.requestContext;
  try {
    replies.logger.info("Answered", await answer());
    return { statusCode: 200 };
  } catch (error) {
    const clientError = error instanceof ClientError ? error : new InternalError(`${replies.internalMessage} (request ${requestId})`);
    if (!(error instanceof ClientError)) replies.logger.error("Unexpected failure", { error: error as Error });
    await replyWithError({ domainName, stage, connectionId }, clientError, replies.field, replies.logger, replies);
    return { statusCode: clientError.status };
  }
}

/** What `$connect` answers for a handshake the client got wrong: the error's status, with its code and message. */
export function refuseConnection(error: ClientError, logger: Logger): WebSocketResult {
  logger.info("Connection refused", { code: error.code, reason: error.message });
  return { statusCode: error.status, body: JSON.stringify({ code: error.code, message: error.message }) };
}
