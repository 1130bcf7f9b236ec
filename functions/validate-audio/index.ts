import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Context } from "aws-lambda";
import { AudioStatus } from "../shared/audio-events";
import { audioFailedMessage, storedDetailSchema } from "../shared/audio-event-schemas";
import { broadcast } from "../shared/broadcaster";
import { ConnectionStore } from "../shared/connection-store";
import { DeduplicationLedger } from "../shared/deduplication";
import { positiveInteger, readEnvironment } from "../shared/env";
import { connectionPoster } from "../shared/connection-poster";
import { MetricUnit, observability, startInvocation } from "../shared/observability";
import { validatePcm } from "../shared/pcm";
import { sendToConnection } from "../shared/reply";
import { readTableBinding } from "../shared/table-binding";
import { CHANNEL_ATTRIBUTE, type VoiceConnection } from "../shared/voice-connection";
import { managementEndpoint } from "../shared/websocket-event";

const env = readEnvironment([
  "AUDIO_BUCKET",
  "MAX_AUDIO_BYTES",
  "SAMPLE_RATE_HZ",
  "MAX_DURATION_MS",
  "DEDUPLICATION_WINDOW_SECONDS",
]);
const limits = {
  maxBytes: positiveInteger("MAX_AUDIO_BYTES", env.MAX_AUDIO_BYTES),
  sampleRateHz: positiveInteger("SAMPLE_RATE_HZ", env.SAMPLE_RATE_HZ),
  maxDurationMs: positiveInteger("MAX_DURATION_MS", env.MAX_DURATION_MS),
};
const { logger, metrics } = observability("validate-audio");
const s3 = new S3Client({});
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const connections = new ConnectionStore<VoiceConnection>(documents, readTableBinding("CONNECTIONS_TABLE", { ttl: true, indexesOn: [CHANNEL_ATTRIBUTE] }));
const ledger = new DeduplicationLedger(
  documents,
  readTableBinding("CHUNKS_TABLE", { ttl: true }),
  positiveInteger("DEDUPLICATION_WINDOW_SECONDS", env.DEDUPLICATION_WINDOW_SECONDS),
);

/** Gives a claim back and fails with the original error, even when the release itself fails. */
async function releaseAndRethrow(chunkId: string, requestId: string, error: unknown): Promise<never> {
  try {
    await ledger.release(chunkId, requestId);
  } catch (releaseError) {
    logger.error("Could not release the chunk claim; a retry will treat the chunk as a duplicate", { error: releaseError as Error });
  }
  throw error;
}

/** Marks the chunk's claim finished; a failure is logged, not thrown, since a retry would broadcast the chunk again. */
async function finishClaim(chunkId: string, requestId: string): Promise<void> {
  try {
    if (!(await ledger.finish(chunkId, requestId))) logger.warn("The chunk claim was no longer this invocation's when it finished");
  } catch (error) {
    logger.error("Could not mark the chunk claim finished", { error: error as Error });
  }
}

export interface ValidateResult {
  status: "broadcast" | "rejected" | "duplicate" | "malformed";
  delivered?: number;
}

/**
 * Reads a STORED chunk back, validates it, and broadcasts it once to the sender's channel, or tells the sender why not.
 * The chunk is claimed under this invocation's request id, so a retry or a resume of this same invocation (after a
 * crash between claim and broadcast) still acts, while another delivery of the same chunk is a duplicate.
 */
export const handler = async (event: { id?: string; detail?: unknown }, context: Pick<Context, "awsRequestId">): Promise<ValidateResult> => {
  const requestId = context.awsRequestId;
  startInvocation(logger, { eventId: event.id, requestId });
  const parsed = storedDetailSchema.safeParse(event.detail);
  if (!parsed.success) {
    logger.error("Malformed STORED event", { eventId: event.id, issues: parsed.error.issues.slice(0, 5) });
    metrics.addMetric("MalformedEvents", MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
    return { status: "malformed" };
  }
  const detail = parsed.data;
  const sender = {
    domainName: detail.websocket_context.domain_name,
    stage: detail.websocket_context.stage,
    connectionId: detail.websocket_context.connection_id,
  };
  const author = detail.message.author;
  logger.appendKeys({ chunkId: detail.chunk_id, connectionId: sender.connectionId });

  if (!(await ledger.claim(detail.chunk_id, requestId))) {
    logger.info("Duplicate delivery suppressed");
    metrics.addMetric("DuplicatesSuppressed", MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
    return { status: "duplicate" };
  }

  const started = performance.now();
  let audio: Uint8Array;
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: env.AUDIO_BUCKET, Key: detail.s3_key }));
    audio = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
  } catch (error) {
    // Give the claim back so that the retry EventBridge makes can still deliver the chunk.
    return releaseAndRethrow(detail.chunk_id, requestId, error);
  }
  const verdict = validatePcm(audio, limits);
  metrics.addMetric("ValidationLatency", MetricUnit.Milliseconds, performance.now() - started);

  if (!verdict.valid) {
    logger.info("Audio rejected", { code: verdict.code, reason: verdict.reason });
    metrics.addMetric("ValidationFailures", MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
    await sendToConnection(sender, audioFailedMessage(author, detail.timestamp, verdict.code, verdict.reason), logger);
    await finishClaim(detail.chunk_id, requestId);
    return { status: "rejected" };
  }

  let members: string[];
  try {
    members = await connections.listBy(CHANNEL_ATTRIBUTE, detail.channel);
  } catch (error) {
    // As for the read: the retry must find the chunk unclaimed, or it is dropped as a duplicate.
    return releaseAndRethrow(detail.chunk_id, requestId, error);
  }
  const recipients = members.filter((connectionId) => connectionId !== sender.connectionId);
  const result = await broadcast({
    post: connectionPoster(managementEndpoint(sender.domainName, sender.stage)).asPost,
    recipients,
    payload: {
      action: "audio",
      data: {
        audio: Buffer.from(audio).toString("base64"),
        author,
        timestamp: detail.timestamp,
        status: AudioStatus.Validated,
      },
    },
    onGone: async (connectionId) => void (await connections.removeGone(connectionId)),
    onError: (connectionId, error) => logger.warn("Broadcast to a listener failed", { listener: connectionId, error: error as Error }),
  });
  metrics.addMetric("BroadcastDeliveries", MetricUnit.Count, result.delivered);
  metrics.addMetric("BroadcastFailures", MetricUnit.Count, result.failed);
  metrics.addMetric("StaleConnectionsRemoved", MetricUnit.Count, result.gone);
  await finishClaim(detail.chunk_id, requestId);
  metrics.publishStoredMetrics();
  logger.info("Audio broadcast", { channel: detail.channel, ...result });
  return { status: "broadcast", delivered: result.delivered };
};
