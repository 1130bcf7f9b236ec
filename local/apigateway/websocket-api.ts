import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { TooManyRequestsError, type InvokeResult, type LocalFunction } from "../functions/function-host";
import type { WebSocketApiModel } from "./service";
import { headerValue, parseRequestTarget, requestHeaders, type QueryParameters, type SafeRecord } from "../protocol/http-request";
import { guardRequests, guardSockets, rawResponse } from "../services/http-listener";
import { installFrameLimit, limitFrames } from "./frame-limit";
import { answerManagementError, handleManagementRequest, type ManagedConnection, type ManagementTarget } from "./management-api";
import { selectRoute } from "./route-selection";
import { TokenBucket } from "./token-bucket";
import { checkUpgrade } from "./upgrade-request";

/** API Gateway's WebSocket quotas, and the local gateway's own bounds. */
export const WEBSOCKET_LIMITS = {
  frameBytes: 32 * 1024,
  messageBytes: 128 * 1024,
  idleTimeoutMs: 10 * 60 * 1000,
  maxConnectionMs: 2 * 60 * 60 * 1000,
  /** Bytes queued for one client that does not read; past it the client is closed (1008) as a slow consumer. */
  sendBufferBytes: 1024 * 1024,
  /** Messages a second one connection may have routed, after a burst: one client cannot starve the others. */
  connectionMessageRate: 100,
  connectionMessageBurst: 100,
  /** How long a closing client may take to answer the close frame before its socket is dropped. */
  closeGraceMs: 1000,
};

export interface LocalWebSocketApiOptions {
  region: string;
  account: string;
  /** Functions by name. */
  functions: Map<string, LocalFunction>;
  log?: (line: string) => void;
  limits?: Partial<typeof WEBSOCKET_LIMITS>;
}

interface Closing {
  statusCode: number;
  reason: string;
}

/** What `$connect` is told of a connection, and what it keeps once upgraded. */
interface ConnectionDetails extends ManagedConnection {
  stage: string;
  authorizer?: Record<string, unknown>;
}

interface Connection extends ConnectionDetails {
  socket: WebSocket;
  admission: TokenBucket;
  closing?: Closing;
  closeTimer?: NodeJS.Timeout;
}

/** One WebSocket API on its own port: handshake with API key and authorizer, routing, limits and `@connections`. */
export class LocalWebSocketApi {
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly connections = new Map<string, Connection>();
  /** Every TCP connection, upgraded or not, so that close() leaves none behind (a client may never close its side). */
  private readonly sockets = new Set<Socket>();
  /** Handshakes and `$disconnect` invocations under way, so that close() can wait for them. */
  private readonly inFlight = new Set<Promise<void>>();
  /** Per stage and route, as the stage's default route settings throttle each route. */
  private readonly throttles = new Map<string, TokenBucket | null>();
  private readonly routeKeys: Set<string>;
  private readonly limits: typeof WEBSOCKET_LIMITS;
  private readonly log: (line: string) => void;
  private readonly management: ManagementTarget;
  private sweeper?: NodeJS.Timeout;
  private stopping = false;
  private port = 0;

  constructor(
    readonly model: WebSocketApiModel,
    private readonly options: LocalWebSocketApiOptions,
  ) {
    installFrameLimit();
    this.routeKeys = new Set(model.routes.map((route) => route.routeKey));
    this.limits = { ...WEBSOCKET_LIMITS, ...options.limits };
    this.log = options.log ?? ((line) => process.stdout.write(`${line}\n`));
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.limits.messageBytes, perMessageDeflate: false });
    this.management = {
      hasStage: (name) => this.hasStage(name),
      openConnection: (stage, id) => {
        const connection = this.connections.get(id);
        return connection && connection.stage === stage && !connection.closing && connection.socket.readyState === connection.socket.OPEN ? connection : undefined;
      },
      messageBytes: this.limits.messageBytes,
      post: (connection, data) => this.deliver(connection as Connection, data),
      remove: (connection) => this.closeConnection(connection as Connection, { statusCode: 1005, reason: "Connection deleted through the management API" }),
    };
    this.server = createServer(guardRequests((request, response) => handleManagementRequest(request, response, this.management), answerManagementError));
    guardSockets(this.server);
    this.server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
    this.server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.track(
        this.handleUpgrade(request, socket, head).catch((error: unknown) => {
          this.log(`[${this.model.name}] handshake failed: ${(error as Error)?.stack ?? String(error)}`);
          refuse(socket, error instanceof TooManyRequestsError ? 429 : 500, error instanceof TooManyRequestsError ? "Too Many Requests" : "Internal server error");
        }),
      );
    });
  }

  get domainName(): string {
    return `127.0.0.1:${this.port}`;
  }

  get url(): string {
    return `ws://${this.domainName}`;
  }

  get openConnections(): number {
    return this.connections.size;
  }

  async listen(port = 0): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => resolve());
    });
    this.port = (this.server.address() as { port: number }).port;
    this.sweeper = setInterval(() => this.closeIdle(), Math.min(30_000, this.limits.idleTimeoutMs / 2));
    this.sweeper.unref();
  }

  /**
   * Stops as API Gateway does when a deployment goes away: no new handshakes, every open socket closed with 1001,
   * and `$disconnect` run (and awaited) for each connection that `$connect` accepted, handshakes in flight included.
   */
  async close(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.sweeper);
    const listening = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.settle();
    for (const connection of this.connections.values()) this.closeConnection(connection, { statusCode: 1001, reason: "Going away" });
    await this.settle();
    this.wss.close();
    for (const socket of this.sockets) socket.destroy();
    await listening;
  }

  /** Waits until no handshake, close or `$disconnect` is under way. */
  private async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private hasStage(name: string): boolean {
    return this.model.stages.some((stage) => stage.name === name);
  }

  private route(routeKey: string) {
    return this.model.routes.find((route) => route.routeKey === routeKey);
  }

  /** Whether the stage's throttle lets one more request through this route; true when the stage sets no limits. */
  private admit(stageName: string, routeKey: string): boolean {
    const key = `${stageName} ${routeKey}`;
    let bucket = this.throttles.get(key);
    if (bucket === undefined) {
      const stage = this.model.stages.find((candidate) => candidate.name === stageName);
      const { throttlingRateLimit: rate, throttlingBurstLimit: burst } = stage ?? {};
      bucket = rate !== undefined && burst !== undefined ? new TokenBucket(rate, burst) : null;
      this.throttles.set(key, bucket);
    }
    return bucket === null || bucket.take();
  }

  private fn(name: string): LocalFunction {
    const fn = this.options.functions.get(name);
    if (!fn) throw new Error(`Function ${name} of API ${this.model.name} is not running`);
    return fn;
  }

  private requestContext(connection: ConnectionDetails, routeKey: string, eventType: string, extra: Record<string, unknown> = {}) {
    const now = Date.now();
    const requestId = randomBytes(6).toString("base64url") + "=";
    return {
      routeKey,
      eventType,
      extendedRequestId: requestId,
      requestTime: formatRequestTime(new Date(now)),
      messageDirection: "IN",
      stage: connection.stage,
      connectedAt: connection.connectedAt,
      requestTimeEpoch: now,
      identity: { sourceIp: connection.sourceIp, ...(connection.userAgent ? { userAgent: connection.userAgent } : {}) },
      requestId,
      domainName: this.domainName,
      connectionId: connection.id,
      apiId: this.model.id,
      ...(connection.authorizer ? { authorizer: connection.authorizer } : {}),
      ...extra,
    };
  }

  /**
   * The handshake, in API Gateway's order: the upgrade's own form and the stage first (no function runs for a request
   * that could never become a WebSocket), then the throttle, the API key, the authorizer and `$connect`. Once `$connect`
   * has accepted, `$disconnect` runs exactly once, whatever the socket does meanwhile.
   */
  private async handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const invalid = checkUpgrade(request);
    if (invalid) return refuse(socket, invalid.status, invalid.message, invalid.headers);
    if (this.stopping) return refuse(socket, 503, "Service Unavailable");
    const target = parseRequestTarget(request.url);
    const stage = target.path.replace(/^\/+|\/+$/g, "");
    if (!this.hasStage(stage)) return refuse(socket, 403, "Forbidden");
    const { headers, multiValueHeaders } = requestHeaders(request.rawHeaders);
    const connection: ConnectionDetails = {
      id: randomBytes(12).toString("base64").slice(0, 15) + "=",
      stage,
      connectedAt: Date.now(),
      lastActiveAt: Date.now(),
      sourceIp: request.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "127.0.0.1",
      userAgent: headerValue(headers, "user-agent"),
    };
    const connectRoute = this.route("$connect");
    if (connectRoute && !this.admit(stage, "$connect")) return refuse(socket, 429, "Too Many Requests");

    if (connectRoute?.apiKeyRequired) {
      const key = headerValue(headers, "x-api-key");
      if (!key || !this.model.apiKeys.some((apiKey) => apiKey.value === key)) return refuse(socket, 403, "Forbidden");
    }

    const base = {
      headers,
      multiValueHeaders,
      ...(Object.keys(target.query.single).length > 0 ? { queryStringParameters: target.query.single, multiValueQueryStringParameters: target.query.multi } : {}),
    };

    if (connectRoute?.authorizationType === "CUSTOM" && this.model.authorizer) {
      const authorizer = this.model.authorizer;
      const missing = authorizer.identitySources.some((source) => !identitySourceValue(source, headers, target.query));
      if (missing) return refuse(socket, 401, "Unauthorized");
      const started = performance.now();
      const result = await this.fn(authorizer.functionName).invoke({
        type: "REQUEST",
        methodArn: `arn:aws:execute-api:${this.options.region}:${this.options.account}:${this.model.id}/${stage}/$connect`,
        ...base,
        stageVariables: {},
        requestContext: this.requestContext(connection, "$connect", "CONNECT"),
      });
      if (!result.ok) {
        const unauthorized = result.error.errorMessage === "Unauthorized";
        return refuse(socket, unauthorized ? 401 : 500, unauthorized ? "Unauthorized" : "Internal server error");
      }
      const response = result.result as { principalId?: string; policyDocument?: { Statement?: { Effect?: string }[] }; context?: Record<string, unknown> } | null;
      const statements = Array.isArray(response?.policyDocument?.Statement) ? response.policyDocument.Statement : [];
      const allowed = statements.some((statement) => statement?.Effect === "Allow") && !statements.some((statement) => statement?.Effect === "Deny");
      if (!allowed) return refuse(socket, 403, "Forbidden");
      connection.authorizer = { ...response?.context, principalId: response?.principalId, integrationLatency: Math.round(performance.now() - started) };
    }
    // A client that left while the authorizer ran gets no $connect: nothing would ever disconnect it.
    if (isGone(socket) || this.stopping) return refuse(socket, 503, "Service Unavailable");

    if (connectRoute) {
      const result = await this.fn(connectRoute.functionName).invoke({
        ...base,
        isBase64Encoded: false,
        requestContext: this.requestContext(connection, "$connect", "CONNECT"),
      });
      const status = statusOf(result);
      if (status < 200 || status > 299) return refuse(socket, status, status === 500 ? "Internal server error" : "Connection refused");
    }

    let upgraded = false;
    try {
      if (!isGone(socket) && !this.stopping) {
        // ws completes the upgrade synchronously, or destroys a socket that is no longer readable and writable.
        this.wss.handleUpgrade(request, socket, head, (ws) => {
          upgraded = true;
          this.accept(ws, connection);
        });
      }
    } finally {
      if (!upgraded) {
        socket.destroy();
        // As AWS does, $disconnect still runs for a connection $connect accepted.
        this.disconnected(connection, { statusCode: 1006, reason: this.stopping ? "Going away" : "Client went away during the handshake" });
      }
    }
  }

  private accept(socket: WebSocket, details: ConnectionDetails): void {
    limitFrames(socket, this.limits.frameBytes);
    const connection: Connection = {
      ...details,
      socket,
      lastActiveAt: Date.now(),
      admission: new TokenBucket(this.limits.connectionMessageRate, this.limits.connectionMessageBurst),
    };
    this.connections.set(connection.id, connection);
    socket.on("message", (data: Buffer, isBinary: boolean) => {
      connection.lastActiveAt = Date.now();
      if (isBinary) {
        // API Gateway does not take binary frames: it closes with 1003, whatever the integration's content handling.
        this.closeConnection(connection, { statusCode: 1003, reason: "Binary frames are not supported" });
        return;
      }
      this.handleMessage(connection, data).catch((error: unknown) => {
        this.log(`[${this.model.name}] message failed: ${(error as Error)?.stack ?? String(error)}`);
      });
    });
    socket.on("close", (code: number, reason: Buffer) => {
      clearTimeout(connection.closeTimer);
      this.connections.delete(connection.id);
      this.disconnected(connection, connection.closing ?? { statusCode: code, reason: reason.toString("utf8") });
    });
    socket.on("error", () => undefined);
  }

  private async handleMessage(connection: Connection, data: Buffer): Promise<void> {
    const body = data.toString("utf8");
    const routeKey = selectRoute(this.model.routeSelectionExpression, body, this.routeKeys);
    const requestContext = this.requestContext(connection, routeKey ?? "$default", "MESSAGE", { messageId: randomBytes(6).toString("base64url") + "=" });
    if (!routeKey) {
      return this.sendGatewayMessage(connection, "Forbidden", requestContext.requestId);
    }
    if (!connection.admission.take() || !this.admit(connection.stage, routeKey)) {
      return this.sendGatewayMessage(connection, "Too Many Requests", requestContext.requestId);
    }
    const route = this.route(routeKey)!;
    let result;
    try {
      result = await this.fn(route.functionName).invoke({ requestContext, body, isBase64Encoded: false });
    } catch (error) {
      const throttled = error instanceof TooManyRequestsError;
      this.log(`[${this.model.name}] ${routeKey} ${throttled ? "throttled" : "failed"}: ${(error as Error).message}`);
      return this.sendGatewayMessage(connection, throttled ? "Too Many Requests" : "Internal server error", requestContext.requestId);
    }
    if (!result.ok) {
      this.log(`[${this.model.name}] ${routeKey} failed: ${result.error.errorType}: ${result.error.errorMessage}`);
      this.sendGatewayMessage(connection, "Internal server error", requestContext.requestId);
    }
  }

  private sendGatewayMessage(connection: Connection, message: string, requestId: string): void {
    if (connection.socket.readyState === connection.socket.OPEN && !connection.closing) {
      this.deliver(connection, Buffer.from(JSON.stringify({ message, connectionId: connection.id, requestId })));
    }
  }

  /**
   * Sends one text frame, unless the client has left more than the send buffer's bound unread: then it is closed as
   * a slow consumer (1008), as a connection that cannot keep up would be, and is gone for every later post.
   */
  private deliver(connection: Connection, data: Buffer): boolean {
    if (connection.socket.bufferedAmount + data.length > this.limits.sendBufferBytes) {
      this.log(`[${this.model.name}] connection ${connection.id} closed as a slow consumer: ${connection.socket.bufferedAmount} bytes unread`);
      this.closeConnection(connection, { statusCode: 1008, reason: "Slow consumer" });
      return false;
    }
    connection.lastActiveAt = Date.now();
    // Sent as a text frame, as API Gateway does, without decoding and re-encoding the bytes.
    connection.socket.send(data, { binary: false });
    return true;
  }

  /** Starts a close; a client that does not answer the close frame within the grace period is dropped. */
  private closeConnection(connection: Connection, closing: Closing): void {
    if (connection.closing) return;
    connection.closing = closing;
    const closed = new Promise<void>((resolve) => connection.socket.once("close", () => resolve()));
    this.track(closed);
    connection.closeTimer = setTimeout(() => connection.socket.terminate(), this.limits.closeGraceMs).unref();
    // A slow consumer's buffer is released at once; its close frame would wait behind everything it did not read.
    if (closing.statusCode === 1008) connection.socket.terminate();
    else connection.socket.close(closing.statusCode === 1005 ? undefined : closing.statusCode, closing.statusCode === 1005 ? undefined : closing.reason);
  }

  private disconnected(connection: ConnectionDetails, closing: Closing): void {
    const route = this.route("$disconnect");
    if (!route) return;
    const run = async () => {
      const result = await this.fn(route.functionName)
        .invoke({
          headers: { Host: this.domainName, "x-api-key": "", "X-Forwarded-For": connection.sourceIp },
          isBase64Encoded: false,
          requestContext: this.requestContext(connection, "$disconnect", "DISCONNECT", {
            disconnectStatusCode: closing.statusCode,
            disconnectReason: closing.reason,
          }),
        })
        .catch((error: Error) => ({ ok: false as const, error: { errorType: "Throttled", errorMessage: error.message }, durationMs: 0 }));
      if (!result.ok) this.log(`[${this.model.name}] $disconnect failed: ${result.error.errorMessage}`);
    };
    this.track(run());
  }

  private closeIdle(): void {
    const now = Date.now();
    for (const connection of this.connections.values()) {
      if (now - connection.lastActiveAt > this.limits.idleTimeoutMs || now - connection.connectedAt > this.limits.maxConnectionMs) {
        this.closeConnection(connection, { statusCode: 1001, reason: "Going away" });
      }
    }
  }
}

/** Whether the client can no longer be answered: reset, or half-closed by a client that gave up. */
function isGone(socket: Duplex): boolean {
  return socket.destroyed || !socket.readable || !socket.writable;
}

function statusOf(result: InvokeResult): number {
  if (!result.ok) return 500;
  const status = Number((result.result as { statusCode?: unknown } | null)?.statusCode ?? 200);
  return Number.isInteger(status) && status >= 100 && status <= 599 ? status : 500;
}

function refuse(socket: Duplex, status: number, message: string, headers?: Record<string, string>): void {
  if (isGone(socket)) {
    socket.destroy();
    return;
  }
  // The refusal is the last word, as with API Gateway: the connection closes once it is written.
  socket.end(rawResponse(status, { message }, headers), () => socket.destroy());
}

function identitySourceValue(source: string, headers: SafeRecord<string>, query: QueryParameters): string | undefined {
  const header = /^route\.request\.header\.(.+)$/.exec(source)?.[1];
  if (header) return headerValue(headers, header) || undefined;
  const parameter = /^route\.request\.querystring\.(.+)$/.exec(source)?.[1];
  if (parameter) return (Object.hasOwn(query.single, parameter) ? query.single[parameter] : undefined) || undefined;
  return undefined;
}

function formatRequestTime(date: Date): string {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

