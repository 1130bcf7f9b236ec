import type { Construct } from "constructs";
import { Fn, TerraformOutput, TerraformStack } from "cdktf";
import { ApiGatewayAccountSettings } from "../modules/api-gateway-account";
import { EncryptionKey } from "../modules/encryption-key";
import { NodeFunction } from "../modules/lambda-function";
import type { TableBilling } from "../modules/shared/table";
import { Signaling, type IceServersProps } from "../modules/signaling";
import { UserPool } from "../modules/user-pool";
import type { StageRouteSettings } from "../modules/websocket";
import { configureProviders } from "./providers";
import { checkConnectionTtl, checkNamePrefix } from "./settings";

export interface PokerSignalingConfig {
  /** AWS region. @default - "us-west-2", as the seed */
  readonly region?: string;
  /** Prefix of every resource name. @default - "poker-signaling", as the seed */
  readonly namePrefix?: string;
  /** WebSocket stage name. @default - "prod", as the seed */
  readonly stageName?: string;
  /** Throttling and logging of every route. @default - see StageRouteSettings */
  readonly stageDefaultRouteSettings?: StageRouteSettings;
  /** Days to keep logs. @default - 7, as the seed */
  readonly cloudwatchLogsRetentionInDays?: number;
  /** Players at one table at most. @default - 10 */
  readonly maxPlayersPerGame?: number;
  /** Largest relayed payload (an SDP offer is a few KB) in bytes. @default - 16384 */
  readonly maxPayloadBytes?: number;
  /** Seconds a connection record lives without a disconnect. @default - 7200, as the seed */
  readonly connectionTtlSeconds?: number;
  /** Billing of the connections table and its index. @default - on demand */
  readonly tableBilling?: TableBilling;
  /** STUN, and TURN with time-limited credentials. @default - Google's public STUN server, no TURN */
  readonly iceServers?: IceServersProps;
  /** Own the account-wide API Gateway setting (see modules/api-gateway-account); once per account and region. @default - false */
  readonly manageApiGatewayAccount?: boolean;
  /** Extra tags on every resource. @default - none */
  readonly tags?: Record<string, string>;
}

export const DEFAULT_STUN_URLS = ["stun:stun.l.google.com:19302"];

/** WebRTC signaling for the players of a poker table, authenticated with Cognito, over an API Gateway WebSocket API. */
export class PokerSignalingStack extends TerraformStack {
  constructor(scope: Construct, id: string, config: PokerSignalingConfig = {}) {
    super(scope, id);
    const prefix = checkNamePrefix(config.namePrefix ?? "poker-signaling");
    const retention = config.cloudwatchLogsRetentionInDays ?? 7;
    configureProviders(this, id, { region: config.region ?? "us-west-2", tags: { Project: "realtime-game-backends", Stack: id, ...config.tags } });

    const key = new EncryptionKey(this, "key", {
      alias: `${prefix}-data`,
      description: `Encrypts the logs, table and secrets of ${prefix}`,
      allowCloudWatchLogs: true,
    });
    const players = new UserPool(this, "players", { userPoolName: `${prefix}-players`, clientName: `${prefix}-client` });
    const authorizer = new NodeFunction(this, "authorizer", {
      functionName: `${prefix}-authorizer`,
      bundle: "cognito-authorizer",
      description: "Verifies the player's Cognito JWT on $connect",
      timeout: 5,
      kmsKeyArn: key.keyArn,
      cloudwatchLogsRetentionInDays: retention,
      environment: { USER_POOL_ID: players.userPoolId, USER_POOL_CLIENT_ID: players.userPoolClientId },
    });

    const signaling = new Signaling(this, "signaling", {
      name: prefix,
      stageName: config.stageName ?? "prod",
      stageDefaultRouteSettings: config.stageDefaultRouteSettings,
      // Browsers cannot set headers on a WebSocket: the token may come as a header or in the query.
      authorizer: { handler: authorizer, identitySources: [] },
      maxPlayersPerGame: config.maxPlayersPerGame,
      maxPayloadBytes: config.maxPayloadBytes,
      connectionTtlSeconds: checkConnectionTtl(config.connectionTtlSeconds ?? 7200),
      tableBilling: config.tableBilling,
      iceServers: config.iceServers ?? { stunUrls: DEFAULT_STUN_URLS },
      cloudwatchLogsRetentionInDays: retention,
      kmsKeyArn: key.keyArn,
    });

    if (config.manageApiGatewayAccount ?? false) {
      new ApiGatewayAccountSettings(this, "api-gateway-account", { cloudwatchRoleName: `${prefix}-api-gateway-logs` });
    }

    const websocket = signaling.websocket;
    new TerraformOutput(this, "websocket_url", {
      value: Fn.join("", [websocket.stageInvokeUrl, "?gameId=<GAME_ID>&token=<ID_TOKEN>"]),
      description: "wss:// URL players connect to, with their game and a Cognito ID token in place of the placeholders",
    });
    new TerraformOutput(this, "websocket_api_id", { value: websocket.apiId });
    new TerraformOutput(this, "lambda_function_name", { value: signaling.handler.functionName });
    new TerraformOutput(this, "dynamodb_table_name", { value: websocket.connectionsTableName });
    new TerraformOutput(this, "user_pool_id", { value: players.userPoolId });
    new TerraformOutput(this, "user_pool_client_id", { value: players.userPoolClientId });
    if (signaling.turnSecret) new TerraformOutput(this, "turn_secret_arn", { value: signaling.turnSecret.secretArn });
  }
}
