import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { AudioStatus } from "../shared/audio-events";
import type { PendingDetail } from "../shared/audio-event-schemas";
import { parseAudioMessage } from "../shared/audio-message";
import { ConnectionStore } from "../shared/connection-store";
import { positiveInteger, readEnvironment } from "../shared/env";
import { ClientError, InternalError, NotConnectedError, PublishFailedError } from "../shared/errors";
import { publishEvent } from "../shared/event-publisher";
import { observability, startInvocation } from "../shared/observability";
import { messageTypeField } from "../shared/envelope";
import { replyWithError } from "../shared/reply";
import { readTableBinding } from "../shared/table-binding";
import type { VoiceConnection } from "../shared/voice-connection";
import { callerIdentity, type WebSocketEvent, type WebSocketResult } from "../shared/websocket-event";

const env = readEnvironment(["EVENT_BUS_NAME", "EVENT_SOURCE", "EVENT_DETAIL_TYPE", "MAX_AUDIO_BYTES"]);
const maxAudioBytes = positiveInteger("MAX_AUDIO_BYTES", env.MAX_AUDIO_BYTES);
const typeField = messageTypeField();
const { logger } = observability("voice-message");
const events = new EventBridgeClient({});
const store = new ConnectionStore<VoiceConnection>(DynamoDBDocumentClient.from(new DynamoDBClient({})), readTableBinding("CONNECTIONS_TABLE", { ttl: true }));

/** Checks an audio message from a connection and publishes it as a PENDING event; every failure is answered on the connection. */
export const handler = async (event: WebSocketEvent): Promise<WebSocketResult> => {
  const { connectionId, domainName, stage, requestId } = event.requestContext;
  startInvocation(logger, { connectionId, requestId });
  try {
    const caller = callerIdentity(event);
    const message = parseAudioMessage(event.body, caller, maxAudioBytes);
    const connection = await store.get(connectionId);
    if (!connection) {
      throw new NotConnectedError(`Connection ${connectionId} is not registered; reconnect`);
    }
    const detail: PendingDetail = {
      status: AudioStatus.Pending,
      chunk_id: `${connectionId}:${requestId}`,
      channel: connection.channel,
      message,
      websocket_context: { domain_name: domainName, stage, connection_id: connectionId },
      timestamp: new Date().toISOString(),
    };
    const eventId = await publishEvent(events, {
      busName: env.EVENT_BUS_NAME,
      source: env.EVENT_SOURCE,
      detailType: env.EVENT_DETAIL_TYPE,
      detail,
    });
    logger.info("Audio published", { eventId, chunkId: detail.chunk_id, channel: detail.channel });
    return { statusCode: 202 };
  } catch (error) {
    const clientError = error instanceof ClientError ? error : new InternalError(`Audio could not be accepted (request ${requestId})`);
    if (!(error instanceof ClientError)) {
      logger.error("Unexpected failure", { error: error as Error });
    }
    await replyWithError({ domainName, stage, connectionId }, clientError, typeField, logger);
    return { statusCode: clientError instanceof InternalError ? 500 : clientError instanceof PublishFailedError ? 502 : 400 };
  }
};
