import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { AudioStatus } from "../shared/audio-events";
import { audioFailedMessage, pendingDetailSchema, type StoredDetail } from "../shared/audio-event-schemas";
import { audioObjectKey } from "../shared/audio-key";
import { readEnvironment } from "../shared/env";
import { ClientError } from "../shared/errors";
import { publishEvent } from "../shared/event-publisher";
import { MetricUnit, observability, startInvocation } from "../shared/observability";
import { sendToConnection } from "../shared/reply";

const env = readEnvironment(["AUDIO_BUCKET", "AUDIO_KMS_KEY_ARN", "EVENT_BUS_NAME", "EVENT_SOURCE", "EVENT_DETAIL_TYPE"]);
const { logger, metrics } = observability("process-audio");
const s3 = new S3Client({});
const events = new EventBridgeClient({});

export interface ProcessResult {
  statusCode: number;
  body: { message: string; s3_key?: string };
}

/** Stores a PENDING chunk under `audio/{author}/{timestamp}.pcm` and publishes the claim check as STORED. */
export const handler = async (event: { id?: string; detail?: unknown }): Promise<ProcessResult> => {
  startInvocation(logger, { eventId: event.id });
  const parsed = pendingDetailSchema.safeParse(event.detail);
  if (!parsed.success) {
    // Retrying cannot fix a malformed event, so it is logged and dropped.
    logger.error("Malformed PENDING event", { eventId: event.id, issues: parsed.error.issues.slice(0, 5) });
    metrics.addMetric("MalformedEvents", MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
    return { statusCode: 400, body: { message: "Malformed event" } };
  }
  const detail = parsed.data;
  const sender = {
    domainName: detail.websocket_context.domain_name,
    stage: detail.websocket_context.stage,
    connectionId: detail.websocket_context.connection_id,
  };
  startInvocation(logger, { chunkId: detail.chunk_id, connectionId: sender.connectionId });
  const author = detail.message.author;
  const s3Key = audioObjectKey(author, detail.timestamp, detail.chunk_id);

  const storageStarted = performance.now();
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: env.AUDIO_BUCKET,
        Key: s3Key,
        Body: Buffer.from(detail.message.data, "base64"),
        ContentType: "audio/pcm",
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: env.AUDIO_KMS_KEY_ARN,
        BucketKeyEnabled: true,
        Metadata: { author, timestamp: detail.timestamp, "content-type": "audio/pcm", "chunk-id": detail.chunk_id },
      }),
    );
  } catch (error) {
    // The chunk is stale by the time a retry could store it, so the sender hears of the failure now instead.
    logger.error("Error storing audio", { s3Key, error: error as Error });
    metrics.addMetric("StorageFailures", MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
    await sendToConnection(
      sender,
      audioFailedMessage(author, detail.timestamp, "STORAGE_FAILED", "Audio could not be stored"),
      logger,
    );
    return { statusCode: 500, body: { message: "Error storing audio" } };
  }
  metrics.addMetric("StorageTime", MetricUnit.Milliseconds, performance.now() - storageStarted);

  const stored: StoredDetail = {
    status: AudioStatus.Stored,
    chunk_id: detail.chunk_id,
    channel: detail.channel,
    message: { action: detail.message.action, author },
    websocket_context: detail.websocket_context,
    timestamp: detail.timestamp,
    s3_key: s3Key,
  };
  try {
    await publishEvent(events, {
      busName: env.EVENT_BUS_NAME,
      source: env.EVENT_SOURCE,
      detailType: env.EVENT_DETAIL_TYPE,
      detail: stored,
    });
  } catch (error) {
    // A refused or oversized event is final; retrying the whole invocation would not change it.
    if (!(error instanceof ClientError)) {
      throw error;
    }
    logger.error("Error publishing STORED event", { s3Key, reason: error.message });
    metrics.addMetric("PublishFailures", MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
    await sendToConnection(sender, audioFailedMessage(author, detail.timestamp, error.code, "Audio could not be sent for validation"), logger);
    return { statusCode: 500, body: { message: "Error publishing audio", s3_key: s3Key } };
  }
  metrics.addMetric("ProcessingLatency", MetricUnit.Milliseconds, Math.max(0, Date.now() - Date.parse(detail.timestamp)));
  metrics.publishStoredMetrics();
  logger.info("Audio stored", { s3Key });
  return { statusCode: 200, body: { message: "Audio stored and sent for validation", s3_key: s3Key } };
};
