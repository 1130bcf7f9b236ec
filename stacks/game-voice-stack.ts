import { Construct } from "constructs";
import { TerraformOutput, TerraformStack, type TerraformElement } from "cdktf";
import type { Node } from "constructs";
import { AUDIO_EVENT_DETAIL_TYPE, AUDIO_EVENT_SOURCE } from "../functions/shared/audio-events";
import { ApiGatewayAccountSettings } from "../modules/api-gateway-account";
import { AudioProcessing, type AudioLimits } from "../modules/audio-processing";
import { EncryptionKey } from "../modules/encryption-key";
import { NodeFunction } from "../modules/lambda-function";
import { UserPool } from "../modules/user-pool";
import { keptLogicalId, type KeptAddresses } from "../modules/shared/address";
import type { TableBilling } from "../modules/shared/table";
import { WebSocketApi, type StageRouteSettings } from "../modules/websocket";
import { configureProviders } from "./providers";
import { checkConnectionTtl, checkNamePrefix } from "./settings";

/** Route keys that carry audio; the seed uses both names. */
export const AUDIO_ROUTES = ["sendaudio", "audio"] as const;
export const CHANNEL_INDEX = "channel-index";

export interface GameVoiceConfig {
  /** AWS region. */
  readonly region: string;
  /** Prefix of every resource name. @default - "game-voice" */
  readonly namePrefix?: string;
  /** WebSocket stage name. @default - "live" */
  readonly stageName?: string;
  /** Throttling and logging of the WebSocket routes. @default - the websocket module's defaults */
  readonly stageDefaultRouteSettings?: StageRouteSettings;
  /** Days before stored audio expires. @default - 30 */
  readonly audioRetentionInDays?: number;
  /** Limits on one audio chunk. @default - 24,000 bytes, 16 kHz, 2 s */
  readonly audioLimits?: AudioLimits;
  /** Days to keep logs. @default - 14 */
  readonly cloudwatchLogsRetentionInDays?: number;
  /** Seconds a connection record lives without a disconnect; API Gateway closes connections after 2 hours. @default - 10800 */
  readonly connectionTtlSeconds?: number;
  /** Billing of every table and its indexes (provisioned capacity applies to each alike). @default - on demand */
  readonly tableBilling?: TableBilling;
  /**
   * Own the account-wide API Gateway setting (the role stages write logs through). It is one per account and
   * region: turn it on in exactly one stack there, unless your landing zone already sets it.
   * @default - false
   */
  readonly manageApiGatewayAccount?: boolean;
  /** Extra tags on every resource. @default - none */
  readonly tags?: Record<string, string>;
}

/**
 * Resources that moved into modules, at the addresses they had when this stack defined them inline, so a deployed
 * game-voice keeps them (a new address would make Terraform destroy and recreate them).
 */
const KEPT_ADDRESSES: KeptAddresses = {
  "players/pool": "players",
  "players/client": "players-client",
  "websocket/api-key/key": "websocket_api-key_1E8CECFD",
  "websocket/api-key/usage-plan": "websocket_usage-plan_3EC81846",
  "websocket/api-key/usage-plan-key": "websocket_usage-plan-key_86F29668",
  "api-gateway-account/cloudwatch-role": "api-gateway-logs-role",
  "api-gateway-account/assume-role": "api-gateway-assume-role",
  "api-gateway-account/cloudwatch-policy": "api-gateway-logs-policy",
  "api-gateway-account/account": "api-gateway-account",
};

/** Game voice chat: a WebSocket API with API key and Cognito auth, and an audio pipeline through EventBridge and S3. */
export class GameVoiceStack extends TerraformStack {
  constructor(scope: Construct, id: string, config: GameVoiceConfig) {
    super(scope, id);
    const prefix = checkNamePrefix(config.namePrefix ?? "game-voice");
    const retention = config.cloudwatchLogsRetentionInDays ?? 14;
    const connectionTtlSeconds = checkConnectionTtl(config.connectionTtlSeconds ?? 10_800);
    configureProviders(this, id, {
      region: config.region,
      tags: { Project: "realtime-game-backends", Stack: id, ...config.tags },
    });

    const key = new EncryptionKey(this, "key", {
      alias: `${prefix}-data`,
      description: `Encrypts the logs, tables and queues of ${prefix}`,
      allowCloudWatchLogs: true,
      allowEventBridge: true,
    });
    const functionDefaults = { kmsKeyArn: key.keyArn, cloudwatchLogsRetentionInDays: retention };

    const players = new UserPool(this, "players", {
      userPoolName: `${prefix}-players`,
      clientName: `${prefix}-game-client`,
    });

    const authorizer = new NodeFunction(this, "authorizer", {
      ...functionDefaults,
      functionName: `${prefix}-authorizer`,
      bundle: "cognito-authorizer",
      description: "Verifies the player's Cognito JWT on $connect",
      timeout: 5,
      environment: { USER_POOL_ID: players.userPoolId, USER_POOL_CLIENT_ID: players.userPoolClientId },
    });

    const websocket = new WebSocketApi(this, "websocket", {
      name: prefix,
      description: "Game voice chat",
      stageName: config.stageName,
      stageDefaultRouteSettings: config.stageDefaultRouteSettings,
      apiKeyRequired: true,
      // The token may come as a header or as a query parameter, so no single identity source is required.
      authorizer: { handler: authorizer, identitySources: [] },
      connectionsTable: {
        ...config.tableBilling,
        globalSecondaryIndexes: [{ name: CHANNEL_INDEX, hashKey: "channel" }],
      },
      cloudwatchLogsRetentionInDays: retention,
      kmsKeyArn: key.keyArn,
    });
    const connectionsTable = websocket.connectionsTable;

    const audio = new AudioProcessing(this, "audio", {
      namePrefix: prefix,
      websocket,
      audioRetentionInDays: config.audioRetentionInDays,
      audioLimits: config.audioLimits,
      tableBilling: config.tableBilling,
      kmsKeyArn: key.keyArn,
      cloudwatchLogsRetentionInDays: retention,
    });

    const connect = new NodeFunction(this, "connect", {
      ...functionDefaults,
      functionName: `${prefix}-connect`,
      bundle: "voice-connect",
      description: "Records a new connection and its channel",
      environment: { CONNECTION_TTL_SECONDS: String(connectionTtlSeconds), DEFAULT_CHANNEL: "global" },
    });
    connect.bindTable("CONNECTIONS_TABLE", connectionsTable, "write");

    const disconnect = new NodeFunction(this, "disconnect", {
      ...functionDefaults,
      functionName: `${prefix}-disconnect`,
      bundle: "voice-disconnect",
      description: "Removes a closed connection",
    });
    disconnect.bindTable("CONNECTIONS_TABLE", connectionsTable, "write");

    const message = new NodeFunction(this, "message", {
      ...functionDefaults,
      functionName: `${prefix}-message`,
      bundle: "voice-message",
      description: "Checks an audio message and publishes it as PENDING",
      environment: {
        MAX_AUDIO_BYTES: String(audio.limits.maxAudioBytes),
        EVENT_SOURCE: AUDIO_EVENT_SOURCE,
        EVENT_DETAIL_TYPE: AUDIO_EVENT_DETAIL_TYPE,
      },
    });
    message.bindTable("CONNECTIONS_TABLE", connectionsTable, "read");
    message.allowPutEvents("EVENT_BUS_NAME", { busName: audio.eventBusName, busArn: audio.eventBusArn });
    websocket.grantPostToConnections(message);

    const fallback = new NodeFunction(this, "default", {
      ...functionDefaults,
      functionName: `${prefix}-default`,
      bundle: "ws-default",
      description: "Answers messages that match no route with an error naming the routes",
      environment: { ROUTES: AUDIO_ROUTES.join(",") },
    });
    websocket.grantPostToConnections(fallback);

    websocket.addRoute("$connect", { handler: connect });
    websocket.addRoute("$disconnect", { handler: disconnect });
    for (const routeKey of AUDIO_ROUTES) {
      websocket.addRoute(routeKey, { handler: message });
    }
    websocket.addRoute("$default", { handler: fallback });

    if (config.manageApiGatewayAccount ?? false) {
      new ApiGatewayAccountSettings(this, "api-gateway-account", {
        cloudwatchRoleName: `${prefix}-api-gateway-logs`,
      });
    }

    new TerraformOutput(this, "websocket_url", { value: websocket.stageInvokeUrl, description: "wss:// URL players connect to" });
    new TerraformOutput(this, "api_key", {
      value: websocket.apiKeyValue,
      sensitive: true,
      description: "API key players send as x-api-key",
    });
    new TerraformOutput(this, "user_pool_id", { value: players.userPoolId });
    new TerraformOutput(this, "user_pool_client_id", { value: players.userPoolClientId });
    new TerraformOutput(this, "audio_bucket_name", { value: audio.bucketName });
    new TerraformOutput(this, "event_bus_name", { value: audio.eventBusName });
    new TerraformOutput(this, "connections_table_name", { value: websocket.connectionsTableName });
    new TerraformOutput(this, "events_dead_letter_queue_arn", { value: audio.deadLetterQueueArn });
  }

  protected allocateLogicalId(element: TerraformElement | Node): string {
    return keptLogicalId(this, element, KEPT_ADDRESSES) ?? super.allocateLogicalId(element);
  }
}
