import { Construct } from "constructs";
import { NodeFunction } from "../lambda-function";
import type { TableBilling } from "../shared/table";
import { SecureSecret } from "../secret";
import { WebSocketApi, type StageRouteSettings, type WebSocketAuthorizerProps } from "../websocket";

/** API Gateway ends a WebSocket frame at 32 KB; a relayed payload leaves room for its envelope. */
export const MAX_RELAYED_PAYLOAD_BYTES = 28 * 1024;

export interface TurnProps {
  /** `turn:` or `turns:` URLs of the TURN server (coturn with `use-auth-secret`). */
  readonly urls: string[];
  /** Seconds each credential stays valid. @default - 3600 */
  readonly credentialTtlSeconds?: number;
  /** Days a deleted shared secret can be restored. @default - 30 */
  readonly secretRecoveryWindowInDays?: number;
}

export interface IceServersProps {
  /** `stun:` or `stuns:` URLs every player gets. @default - none */
  readonly stunUrls?: string[];
  /** TURN with time-limited credentials from a shared secret in Secrets Manager. @default - no TURN */
  readonly turn?: TurnProps;
}

export interface SignalingProps {
  /** Prefix of the API's and its resources' names. */
  readonly name: string;
  /** Stage name, the last part of the URL. @default - "prod" */
  readonly stageName?: string;
  /** Throttling, metrics and logging of every route. @default - see StageRouteSettings */
  readonly stageDefaultRouteSettings?: StageRouteSettings;
  /** REQUEST authorizer of `$connect`: it puts the player's verified `username` in the request context. */
  readonly authorizer: WebSocketAuthorizerProps;
  /** Players a game holds at most; a handshake past it is refused with 403. @default - 10 */
  readonly maxPlayersPerGame?: number;
  /** Largest relayed `payload`, in bytes of JSON. @default - 16384 */
  readonly maxPayloadBytes?: number;
  /** Seconds a connection record lives without a `$disconnect`. @default - 7200, as the seed */
  readonly connectionTtlSeconds?: number;
  /** The ICE servers players are given on `join`. @default - none */
  readonly iceServers?: IceServersProps;
  /** Memory of the handler in MB. @default - 256 */
  readonly memorySize?: number;
  /** Seconds before the handler times out. @default - 10 */
  readonly timeout?: number;
  /** Days to keep the handler's and the API's logs. @default - 7, as the seed */
  readonly cloudwatchLogsRetentionInDays?: number;
  /** Billing of the connections table and its index. @default - on demand */
  readonly tableBilling?: TableBilling;
  /** KMS key of the connections table, the logs and the TURN secret. */
  readonly kmsKeyArn: string;
}

function checkUrls(urls: readonly string[], schemes: readonly string[], what: string): void {
  for (const url of urls) {
    if (!schemes.some((scheme) => url.startsWith(`${scheme}:`)) || /[\s,]/.test(url)) {
      throw new Error(`${what} URLs must start with ${schemes.map((scheme) => `${scheme}:`).join(" or ")} and hold no spaces or commas, got "${url}"`);
    }
  }
}

function checkWhole(value: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${what} must be a whole number from ${min} to ${max}, got ${value}`);
  return value;
}

/**
 * WebRTC signaling on a WebSocket API: one handler for `$connect`, `$disconnect` and `$default` relays offers,
 * answers and ICE candidates to one peer of the sender's game, announces peers joining and leaving, replaces a
 * player's older connection, and hands out ICE servers with TURN credentials of the player's own.
 */
export class Signaling extends Construct {
  public readonly websocket: WebSocketApi;
  public readonly handler: NodeFunction;
  /** The shared secret of TURN's credentials, when TURN is configured. */
  public readonly turnSecret?: SecureSecret;

  constructor(scope: Construct, id: string, props: SignalingProps) {
    super(scope, id);
    const maxPlayers = checkWhole(props.maxPlayersPerGame ?? 10, 2, 100, "Signaling maxPlayersPerGame");
    const maxPayloadBytes = checkWhole(props.maxPayloadBytes ?? 16 * 1024, 1, MAX_RELAYED_PAYLOAD_BYTES, "Signaling maxPayloadBytes");
    const connectionTtlSeconds = checkWhole(props.connectionTtlSeconds ?? 7200, 7200, 7 * 86_400, "Signaling connectionTtlSeconds");
    const stunUrls = props.iceServers?.stunUrls ?? [];
    checkUrls(stunUrls, ["stun", "stuns"], "STUN");
    const turn = props.iceServers?.turn;
    if (turn) {
      if (turn.urls.length === 0) throw new Error("Signaling TURN needs at least one URL");
      checkUrls(turn.urls, ["turn", "turns"], "TURN");
    }
    const retention = props.cloudwatchLogsRetentionInDays ?? 7;

    this.websocket = new WebSocketApi(this, "websocket", {
      name: props.name,
      description: "WebRTC signaling: offers, answers and ICE candidates between the players of one game",
      stageName: props.stageName ?? "prod",
      routeSelectionExpression: "$request.body.type",
      stageDefaultRouteSettings: props.stageDefaultRouteSettings,
      authorizer: props.authorizer,
      connectionsTable: {
        ...props.tableBilling,
        ttlAttribute: "ttl",
        globalSecondaryIndexes: [{ name: "gameId-index", hashKey: "gameId", projectionType: "INCLUDE", nonKeyAttributes: ["playerId", "connectedAt"] }],
      },
      cloudwatchLogsRetentionInDays: retention,
      kmsKeyArn: props.kmsKeyArn,
    });

    this.handler = new NodeFunction(this, "handler", {
      functionName: `${props.name}-handler`,
      bundle: "signaling",
      description: "Routes signaling messages to one peer of the sender's game",
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? 10,
      cloudwatchLogsRetentionInDays: retention,
      kmsKeyArn: props.kmsKeyArn,
      environment: {
        MAX_PLAYERS_PER_GAME: String(maxPlayers),
        MAX_PAYLOAD_BYTES: String(maxPayloadBytes),
        CONNECTION_TTL_SECONDS: String(connectionTtlSeconds),
        STUN_URLS: stunUrls.join(","),
        ...(turn ? { TURN_URLS: turn.urls.join(","), TURN_CREDENTIAL_TTL_SECONDS: String(checkWhole(turn.credentialTtlSeconds ?? 3600, 60, 86_400, "Signaling TURN credentialTtlSeconds")) } : {}),
      },
    });
    this.handler.bindTable("CONNECTIONS_TABLE", this.websocket.connectionsTable, "readWrite");
    this.websocket.grantPostToConnections(this.handler);
    this.websocket.grantCloseConnections(this.handler);
    if (turn) {
      this.turnSecret = new SecureSecret(this, "turn-secret", {
        name: `${props.name}-turn-secret`,
        description: "Shared secret of the TURN server's time-limited credentials (coturn static-auth-secret); set with put-secret-value",
        kmsKeyArn: props.kmsKeyArn,
        recoveryWindowInDays: turn.secretRecoveryWindowInDays,
      });
      this.handler.grantReadSecret("TURN_SECRET_ARN", this.turnSecret);
    }
    for (const routeKey of ["$connect", "$disconnect", "$default"]) this.websocket.addRoute(routeKey, { handler: this.handler });
  }
}
