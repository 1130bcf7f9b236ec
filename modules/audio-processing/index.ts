import { Construct } from "constructs";
import { CloudwatchEventBus } from "@cdktf/provider-aws/lib/cloudwatch-event-bus";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import {
  AUDIO_EVENT_DETAIL_TYPE,
  AUDIO_EVENT_SOURCE,
  processingRulePattern,
  validationRulePattern,
} from "../../functions/shared/audio-events";
import { EncryptionKey } from "../encryption-key";
import { NodeFunction } from "../lambda-function";
import { policyDocument, denyInsecureTransport } from "../shared/policy";
import { SecureTable, type TableBilling } from "../shared/table";
import type { WebSocketApi } from "../websocket";

/** Prefix under which audio chunks are stored; functions get access to this prefix only. */
export const AUDIO_PREFIX = "audio/";

export interface AudioLimits {
  /**
   * Largest chunk accepted, in bytes of PCM. The default fits, as base64 in its JSON message, in one 32 KB
   * WebSocket frame, which is all a browser sends and all API Gateway accepts unfragmented.
   * @default - 24000 (750 ms at 16 kHz)
   */
  readonly maxAudioBytes?: number;
  /** Sample rate of the 16-bit mono PCM that clients send. @default - 16000 */
  readonly sampleRateHz?: number;
  /** Longest chunk accepted, in milliseconds. @default - 2000 */
  readonly maxDurationMs?: number;
}

export interface TargetRetryPolicy {
  /** Retries EventBridge makes when invoking a target fails. @default - 2 */
  readonly maximumRetryAttempts?: number;
  /** Oldest event, in seconds, that EventBridge still delivers; voice is stale quickly. @default - 60 */
  readonly maximumEventAgeInSeconds?: number;
}

export interface AudioProcessingProps {
  /** Prefix of every resource name. */
  readonly namePrefix: string;
  /** The WebSocket API whose clients send and receive audio; its connections table needs an index on `channel`. */
  readonly websocket: WebSocketApi;
  /** Days before stored audio expires. @default - 30 */
  readonly audioRetentionInDays?: number;
  /** Limits on one audio chunk. @default - see AudioLimits */
  readonly audioLimits?: AudioLimits;
  /** Retry policy of the rule targets. @default - see TargetRetryPolicy */
  readonly targetRetryPolicy?: TargetRetryPolicy;
  /** Key for logs, queues and tables (not audio, which has its own key); must allow CloudWatch Logs and EventBridge. */
  readonly kmsKeyArn: string;
  /** Days to keep function logs. @default - 14 */
  readonly cloudwatchLogsRetentionInDays?: number;
  /** Seconds a chunk id is remembered to suppress duplicate deliveries. @default - 3600 */
  readonly deduplicationWindowSeconds?: number;
  /** Billing of the chunks table. @default - on demand */
  readonly tableBilling?: TableBilling;
}

/** The audio pipeline: KMS key, audio bucket, event bus, the two rules and the process and validate functions. */
export class AudioProcessing extends Construct {
  public readonly bucketName: string;
  public readonly bucketArn: string;
  public readonly audioKeyArn: string;
  public readonly eventBusName: string;
  public readonly eventBusArn: string;
  public readonly deadLetterQueueArn: string;
  public readonly chunksTableName: string;
  public readonly processFunction: NodeFunction;
  public readonly validateFunction: NodeFunction;
  public readonly limits: Required<AudioLimits>;

  constructor(scope: Construct, id: string, props: AudioProcessingProps) {
    super(scope, id);
    const prefix = props.namePrefix;
    // validate-audio lists a channel's members with a Query; without the index it could only Scan.
    if (!props.websocket.connectionsTable.indexes?.some((index) => index.hashKey === "channel")) {
      const indexes = props.websocket.connectionsTable.indexes?.map((index) => `${index.name} (${index.hashKey})`).join(", ") || "none";
      throw new Error(`AudioProcessing ${id} needs the connections table to have an index on channel; it has ${indexes}`);
    }
    const audioRetentionInDays = props.audioRetentionInDays ?? 30;
    const limits: Required<AudioLimits> = {
      maxAudioBytes: props.audioLimits?.maxAudioBytes ?? 24_000,
      sampleRateHz: props.audioLimits?.sampleRateHz ?? 16_000,
      maxDurationMs: props.audioLimits?.maxDurationMs ?? 2_000,
    };
    const retry = {
      maximumRetryAttempts: props.targetRetryPolicy?.maximumRetryAttempts ?? 2,
      maximumEventAgeInSeconds: props.targetRetryPolicy?.maximumEventAgeInSeconds ?? 60,
    };
    const deduplicationWindowSeconds = props.deduplicationWindowSeconds ?? 3600;
    if (audioRetentionInDays < 1) {
      throw new Error(`Audio retention must be at least 1 day, got ${audioRetentionInDays}`);
    }
    // A broadcast carries the chunk as base64 in one PostToConnection call, which API Gateway caps at 128 KB.
    if (limits.maxAudioBytes < 2 || limits.maxAudioBytes > 90_000) {
      throw new Error(`Max audio bytes must be 2 to 90000 so a broadcast fits in 128 KB, got ${limits.maxAudioBytes}`);
    }
    if (limits.sampleRateHz < 8_000 || limits.sampleRateHz > 48_000) {
      throw new Error(`Sample rate must be 8000 to 48000 Hz, got ${limits.sampleRateHz}`);
    }
    if (limits.maxDurationMs < 20) {
      throw new Error(`Max duration must be at least 20 ms, got ${limits.maxDurationMs}`);
    }
    if (retry.maximumEventAgeInSeconds < 60 || retry.maximumRetryAttempts < 0 || retry.maximumRetryAttempts > 185) {
      throw new Error(
        `Target retry policy needs an event age of at least 60 s and 0 to 185 retries, got ${JSON.stringify(retry)}`,
      );
    }
    this.limits = limits;

    const audioKey = new EncryptionKey(this, "audio-key", {
      alias: `${prefix}-audio`,
      description: `Encrypts the voice chunks of ${prefix}`,
    });
    this.audioKeyArn = audioKey.keyArn;

    const bucket = new S3Bucket(this, "audio-bucket", { bucketPrefix: `${prefix}-audio-` });
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    new S3BucketServerSideEncryptionConfigurationA(this, "audio-bucket-encryption", {
      bucket: bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: audioKey.keyArn },
          bucketKeyEnabled: true,
        },
      ],
    });
    new S3BucketVersioningA(this, "audio-bucket-versioning", {
      bucket: bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketPublicAccessBlock(this, "audio-bucket-public-access", {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "audio-bucket-ownership", {
      bucket: bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    new S3BucketPolicy(this, "audio-bucket-policy", {
      bucket: bucket.id,
      policy: policyDocument(this, "audio-bucket-policy-document", [
        denyInsecureTransport([bucket.arn, `${bucket.arn}/*`]),
      ]).json,
    });
    new S3BucketLifecycleConfiguration(this, "audio-bucket-lifecycle", {
      bucket: bucket.id,
      rule: [
        {
          id: "abort-incomplete-uploads",
          status: "Enabled",
          filter: [{}],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
        },
        {
          id: "expire-audio",
          status: "Enabled",
          filter: [{ prefix: AUDIO_PREFIX }],
          expiration: [{ days: audioRetentionInDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: 1 }],
        },
      ],
    });

    const bus = new CloudwatchEventBus(this, "bus", { name: `${prefix}-events` });
    this.eventBusName = bus.name;
    this.eventBusArn = bus.arn;

    const chunks = new SecureTable(this, "chunks", {
      name: `${prefix}-audio-chunks`,
      hashKey: "chunkId",
      ttlAttribute: "expiresAt",
      ...props.tableBilling,
      kmsKeyArn: props.kmsKeyArn,
    });
    this.chunksTableName = chunks.tableName;

    const functionDefaults = {
      kmsKeyArn: props.kmsKeyArn,
      cloudwatchLogsRetentionInDays: props.cloudwatchLogsRetentionInDays,
      asyncInvocation: { maximumRetryAttempts: 1, maximumEventAgeInSeconds: 300 },
    };
    const audioBucket = { bucketName: bucket.bucket, bucketArn: bucket.arn, kmsKeyArn: audioKey.keyArn };

    this.processFunction = new NodeFunction(this, "process-audio", {
      ...functionDefaults,
      functionName: `${prefix}-process-audio`,
      bundle: "process-audio",
      description: "Stores a PENDING audio chunk in S3 and publishes it as STORED",
      timeout: 10,
      environment: {
        AUDIO_BUCKET: bucket.bucket,
        AUDIO_KMS_KEY_ARN: audioKey.keyArn,
        EVENT_SOURCE: AUDIO_EVENT_SOURCE,
        EVENT_DETAIL_TYPE: AUDIO_EVENT_DETAIL_TYPE,
      },
    });
    this.processFunction.grantBucketPrefix(audioBucket, AUDIO_PREFIX, { write: true });
    this.processFunction.allowPutEvents("EVENT_BUS_NAME", { busName: bus.name, busArn: bus.arn });
    props.websocket.grantPostToConnections(this.processFunction);

    this.validateFunction = new NodeFunction(this, "validate-audio", {
      ...functionDefaults,
      functionName: `${prefix}-validate-audio`,
      bundle: "validate-audio",
      description: "Validates a STORED audio chunk and broadcasts it to the sender's channel",
      timeout: 15,
      memorySize: 512,
      environment: {
        AUDIO_BUCKET: bucket.bucket,
        MAX_AUDIO_BYTES: String(limits.maxAudioBytes),
        SAMPLE_RATE_HZ: String(limits.sampleRateHz),
        MAX_DURATION_MS: String(limits.maxDurationMs),
        DEDUPLICATION_WINDOW_SECONDS: String(deduplicationWindowSeconds),
      },
    });
    this.validateFunction.grantBucketPrefix(audioBucket, AUDIO_PREFIX, { read: true });
    this.validateFunction.bindTable("CONNECTIONS_TABLE", props.websocket.connectionsTable, "readWrite");
    this.validateFunction.bindTable("CHUNKS_TABLE", chunks, "readWrite");
    props.websocket.grantPostToConnections(this.validateFunction);

    const deadLetterQueue = new SqsQueue(this, "events-dlq", {
      name: `${prefix}-events-dlq`,
      kmsMasterKeyId: props.kmsKeyArn,
      messageRetentionSeconds: 14 * 86_400,
    });
    this.deadLetterQueueArn = deadLetterQueue.arn;

    const rules = [
      { id: "processing", pattern: processingRulePattern, fn: this.processFunction, what: "PENDING chunks to process-audio" },
      { id: "validation", pattern: validationRulePattern, fn: this.validateFunction, what: "STORED chunks to validate-audio" },
    ].map(({ id: ruleId, pattern, fn, what }) => {
      const rule = new CloudwatchEventRule(this, `${ruleId}-rule`, {
        name: `${prefix}-audio-${ruleId}`,
        description: `Routes ${what}`,
        eventBusName: bus.name,
        eventPattern: JSON.stringify(pattern),
      });
      new CloudwatchEventTarget(this, `${ruleId}-target`, {
        rule: rule.name,
        eventBusName: bus.name,
        targetId: fn.node.id,
        arn: fn.functionArn,
        retryPolicy: retry,
        deadLetterConfig: { arn: deadLetterQueue.arn },
      });
      new LambdaPermission(this, `${ruleId}-permission`, {
        statementId: "AllowEventBridgeRule",
        action: "lambda:InvokeFunction",
        functionName: fn.functionArn,
        principal: "events.amazonaws.com",
        sourceArn: rule.arn,
      });
      return rule;
    });

    new SqsQueuePolicy(this, "events-dlq-policy", {
      queueUrl: deadLetterQueue.url,
      policy: policyDocument(this, "events-dlq-policy-document", [
        {
          sid: "AllowRuleDeadLetters",
          actions: ["sqs:SendMessage"],
          resources: [deadLetterQueue.arn],
          principals: [{ type: "Service", identifiers: ["events.amazonaws.com"] }],
          condition: [{ test: "ArnEquals", variable: "aws:SourceArn", values: rules.map((rule) => rule.arn) }],
        },
        denyInsecureTransport([deadLetterQueue.arn]),
      ]).json,
    });
  }
}
