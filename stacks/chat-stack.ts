import type { Construct } from "constructs";
import { Fn, TerraformOutput, TerraformStack } from "cdktf";
import { ApiGatewayAccountSettings } from "../modules/api-gateway-account";
import { EncryptionKey } from "../modules/encryption-key";
import { NodeFunction } from "../modules/lambda-function";
import { SecureTable, type TableBilling } from "../modules/shared/table";
import { UserPool } from "../modules/user-pool";
import { WebSocketApi, type StageRouteSettings } from "../modules/websocket";
import { configureProviders } from "./providers";
import { checkConnectionTtl, checkNamePrefix } from "./settings";

/** The chat message types, each a route to the message function; anything else reaches it through `$default`. */
export const CHAT_ROUTES = ["chat", "join_room", "leave_room", "private_message", "room_list", "typing_indicator", "history"] as const;

export interface FunctionSizing {
  /** Memory in MB. */
  readonly memorySize: number;
  /** Seconds before the invocation times out. */
  readonly timeout: number;
}

export interface ChatConfig {
  /** AWS region. */
  readonly region: string;
  /** Prefix of every resource name. @default - "chat" */
  readonly namePrefix?: string;
  /** WebSocket stage name. @default - "staging", as the seed */
  readonly stageName?: string;
  /**
   * Throttling, metrics, logging level and data trace of every route. The seed's INFO logs with data trace would write
   * every message into CloudWatch; execution logs need the account's CloudWatch role (see manageApiGatewayAccount).
   * @default - burst 500, rate 1000 per second, as the seed; detailed metrics, ERROR logs, no data trace
   */
  readonly stageDefaultRouteSettings?: StageRouteSettings;
  /** Days to keep logs. @default - 14 */
  readonly cloudwatchLogsRetentionInDays?: number;
  /** Days a chat or private message is kept for history before DynamoDB's TTL removes it. @default - 30 */
  readonly messageRetentionDays?: number;
  /** Longest message in characters. @default - 2000 */
  readonly maxMessageLength?: number;
  /** Messages a second one connection may send, after a burst. @default - 5 a second, bursts of 10 */
  readonly rateLimit?: { readonly perSecond: number; readonly burst: number };
  /** Seconds a connection record lives without a disconnect; API Gateway closes connections after 2 hours. @default - 10800 */
  readonly connectionTtlSeconds?: number;
  /**
   * Billing of the connections, rooms and messages tables and their indexes (provisioned capacity applies to each
   * alike). The seed's default was provisioned 5/5. @default - on demand
   */
  readonly tableBilling?: TableBilling;
  /** Memory and timeout of the message function. @default - 512 MB, 60 s, as the seed */
  readonly messageFunction?: FunctionSizing;
  /** Memory and timeout of the connect and disconnect functions. @default - 256 MB, 30 s, as the seed */
  readonly connectionFunctions?: FunctionSizing;
  /** Own the account-wide API Gateway setting (see modules/api-gateway-account); once per account and region. @default - false */
  readonly manageApiGatewayAccount?: boolean;
  /** Extra tags on every resource. @default - none */
  readonly tags?: Record<string, string>;
}

/** Chat rooms, private messages, typing indicators and history over an API Gateway WebSocket API with Cognito sign-in. */
export class ChatStack extends TerraformStack {
  constructor(scope: Construct, id: string, config: ChatConfig) {
    super(scope, id);
    const prefix = checkNamePrefix(config.namePrefix ?? "chat");
    const retention = config.cloudwatchLogsRetentionInDays ?? 14;
    const messageRetentionDays = config.messageRetentionDays ?? 30;
    const maxMessageLength = config.maxMessageLength ?? 2000;
    const rateLimit = config.rateLimit ?? { perSecond: 5, burst: 10 };
    const connectionTtlSeconds = checkConnectionTtl(config.connectionTtlSeconds ?? 10_800);
    const messageSizing = config.messageFunction ?? { memorySize: 512, timeout: 60 };
    const connectionSizing = config.connectionFunctions ?? { memorySize: 256, timeout: 30 };
    for (const [name, value] of [["messageRetentionDays", messageRetentionDays], ["maxMessageLength", maxMessageLength], ["rateLimit.perSecond", rateLimit.perSecond], ["rateLimit.burst", rateLimit.burst]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`Chat ${name} must be a positive whole number, got ${value}`);
    }
    configureProviders(this, id, { region: config.region, tags: { Project: "realtime-game-backends", Stack: id, ...config.tags } });

    const key = new EncryptionKey(this, "key", {
      alias: `${prefix}-data`,
      description: `Encrypts the logs and tables of ${prefix}`,
      allowCloudWatchLogs: true,
    });
    const functionDefaults = { kmsKeyArn: key.keyArn, cloudwatchLogsRetentionInDays: retention };

    const users = new UserPool(this, "users", { userPoolName: `${prefix}-users`, clientName: `${prefix}-client` });
    const authorizer = new NodeFunction(this, "authorizer", {
      ...functionDefaults,
      functionName: `${prefix}-authorizer`,
      bundle: "cognito-authorizer",
      description: "Verifies the user's Cognito JWT on $connect",
      timeout: 5,
      environment: { USER_POOL_ID: users.userPoolId, USER_POOL_CLIENT_ID: users.userPoolClientId },
    });

    const websocket = new WebSocketApi(this, "websocket", {
      name: prefix,
      description: "Chat rooms",
      stageName: config.stageName ?? "staging",
      routeSelectionExpression: "$request.body.type",
      stageDefaultRouteSettings: { throttlingBurstLimit: 500, throttlingRateLimit: 1000, ...config.stageDefaultRouteSettings },
      // The token may come as a header or as a query parameter (browsers), so no single identity source is required.
      authorizer: { handler: authorizer, identitySources: [] },
      connectionsTable: {
        ...config.tableBilling,
        // Members are listed with their names, so the indexes carry the whole record.
        globalSecondaryIndexes: [
          { name: "roomId-index", hashKey: "roomId", projectionType: "ALL" },
          { name: "userId-index", hashKey: "userId", projectionType: "ALL" },
        ],
      },
      cloudwatchLogsRetentionInDays: retention,
      kmsKeyArn: key.keyArn,
    });
    // Rooms with members are listed through a sparse index on one partition: no Scan.
    const rooms = new SecureTable(this, "rooms", {
      name: `${prefix}-rooms`,
      hashKey: "roomId",
      globalSecondaryIndexes: [{ name: "listed-index", hashKey: "listed", rangeKey: "roomId", projectionType: "INCLUDE", nonKeyAttributes: ["members"] }],
      ...config.tableBilling,
      kmsKeyArn: key.keyArn,
    });
    const messages = new SecureTable(this, "messages", {
      name: `${prefix}-messages`,
      hashKey: "conversationKey",
      rangeKey: "sortKey",
      ttlAttribute: "expiresAt",
      ...config.tableBilling,
      kmsKeyArn: key.keyArn,
    });

    const connect = new NodeFunction(this, "connect", {
      ...functionDefaults,
      ...connectionSizing,
      functionName: `${prefix}-connect`,
      bundle: "chat-connect",
      description: "Records a new connection in its room",
      environment: { CONNECTION_TTL_SECONDS: String(connectionTtlSeconds), RATE_LIMIT_BURST: String(rateLimit.burst) },
    });
    connect.bindTable("CONNECTIONS_TABLE", websocket.connectionsTable, "write");
    connect.bindTable("ROOMS_TABLE", rooms, "write");

    const disconnect = new NodeFunction(this, "disconnect", {
      ...functionDefaults,
      ...connectionSizing,
      functionName: `${prefix}-disconnect`,
      bundle: "chat-disconnect",
      description: "Removes a closed connection from its room and tells the room",
    });
    disconnect.bindTable("CONNECTIONS_TABLE", websocket.connectionsTable, "readWrite");
    disconnect.bindTable("ROOMS_TABLE", rooms, "write");
    websocket.grantPostToConnections(disconnect);

    const message = new NodeFunction(this, "message", {
      ...functionDefaults,
      ...messageSizing,
      functionName: `${prefix}-message`,
      bundle: "chat-message",
      description: "Answers every chat message type",
      environment: {
        MAX_MESSAGE_LENGTH: String(maxMessageLength),
        RATE_LIMIT_PER_SECOND: String(rateLimit.perSecond),
        RATE_LIMIT_BURST: String(rateLimit.burst),
        MESSAGE_RETENTION_DAYS: String(messageRetentionDays),
      },
    });
    message.bindTable("CONNECTIONS_TABLE", websocket.connectionsTable, "readWrite");
    message.bindTable("ROOMS_TABLE", rooms, "readWrite");
    message.bindTable("MESSAGES_TABLE", messages, "readWrite");
    websocket.grantPostToConnections(message);

    websocket.addRoute("$connect", { handler: connect });
    websocket.addRoute("$disconnect", { handler: disconnect });
    for (const routeKey of CHAT_ROUTES) websocket.addRoute(routeKey, { handler: message });
    websocket.addRoute("$default", { handler: message });

    if (config.manageApiGatewayAccount ?? false) {
      new ApiGatewayAccountSettings(this, "api-gateway-account", { cloudwatchRoleName: `${prefix}-api-gateway-logs` });
    }

    new TerraformOutput(this, "websocket_api_endpoint", { value: websocket.stageInvokeUrl, description: "wss:// URL clients connect to" });
    new TerraformOutput(this, "test_connection_url", {
      value: Fn.join("", [websocket.stageInvokeUrl, "?roomId=general&token=<ID_TOKEN>"]),
      description: "The URL to paste into a WebSocket client, with a Cognito ID token in place of <ID_TOKEN>",
    });
    new TerraformOutput(this, "websocket_api_id", { value: websocket.apiId });
    new TerraformOutput(this, "connect_function_name", { value: connect.functionName });
    new TerraformOutput(this, "message_function_name", { value: message.functionName });
    new TerraformOutput(this, "disconnect_function_name", { value: disconnect.functionName });
    new TerraformOutput(this, "connections_table_name", { value: websocket.connectionsTableName });
    new TerraformOutput(this, "rooms_table_name", { value: rooms.tableName });
    new TerraformOutput(this, "messages_table_name", { value: messages.tableName });
    new TerraformOutput(this, "user_pool_id", { value: users.userPoolId });
    new TerraformOutput(this, "user_pool_client_id", { value: users.userPoolClientId });
  }
}
