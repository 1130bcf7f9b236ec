import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { LocalFunction } from "../functions/function-host";
import type { WebSocketApiModel } from "../model/stack-model";
import { installFrameLimit, limitFrames } from "./frame-limit";
import { selectRoute } from "./route-selection";
import { TokenBucket } from "./token-bucket";
import { readCappedBody } from "../services/http-listener";

/** API Gateway's WebSocket quotas. */
export const WEBSOCKET_LIMITS = {
  frameBytes: 32 * 1024,
  messageBytes: 128 * 1024,
  idleTimeoutMs: 10 * 60 * 1000,
  maxConnectionMs: 2 * 60 * 60 * 1000,
};

export interface LocalWebSocketApiOptions {
  region: string;
  account: string;
  /** Functions by name. */
  functions: Map<string, LocalFunction>;
  log?: (line: string) => void;
  limits?: Partial<typeof WEBSOCKET_LIMITS>;
}

interface Connection {
  id: string;
  socket: WebSocket;
  stage: string;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent?: string;
  authorizer?: Record<string, unknown>;
  closing?: { statusCode: number; reason: string };
}

type Headers = Record<string, string>;

/** One WebSocket API on its own port: handshake with API key and authorizer, routing, limits and `@connections`. */
export class LocalWebSocketApi {
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly connections = new Map<string, Connection>();
  /** Per stage and route, as the stage's default route settings throttle each route. */
  private readonly throttles = new Map<string, TokenBucket | null>();
  private readonly routeKeys: Set<string>;
  private readonly limits: typeof WEBSOCKET_LIMITS;
  private readonly log: (line: string) => void;
  private sweeper?: NodeJS.Timeout;
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
    this.server = createServer((request, response) => void this.handleManagement(request, response));
    this.server.on("upgrade", (request, socket, head) => void this.handleUpgrade(request, socket, head));
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

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const connection of this.connections.values()) connection.socket.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
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

  private requestContext(connection: Pick<Connection, "id" | "stage" | "connectedAt" | "sourceIp" | "userAgent" | "authorizer">, routeKey: string, eventType: string, extra: Record<string, unknown> = {}) {
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

  private async handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(request.url ?? "/", "http://localhost");
    const stage = url.pathname.replace(/^\/+|\/+$/g, "");
    if (!this.model.stages.some((candidate) => candidate.name === stage)) {
      return refuse(socket, 403, "Forbidden");
    }
    const { headers, multiValueHeaders } = headersOf(request);
    const query = queryOf(url);
    const connection = {
      id: randomBytes(12).toString("base64").slice(0, 15) + "=",
      stage,
      connectedAt: Date.now(),
      sourceIp: request.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "127.0.0.1",
      userAgent: headers["User-Agent"] ?? headers["user-agent"],
      authorizer: undefined as Record<string, unknown> | undefined,
    };
    const connectRoute = this.route("$connect");
    if (connectRoute && !this.admit(stage, "$connect")) {
      return refuse(socket, 429, "Too Many Requests");
    }

    if (connectRoute?.apiKeyRequired) {
      const key = headerValue(headers, "x-api-key");
      if (!key || !this.model.apiKeys.some((apiKey) => apiKey.value === key)) {
        return refuse(socket, 403, "Forbidden");
      }
    }

    const base = {
      headers,
      multiValueHeaders,
      ...(Object.keys(query.single).length > 0 ? { queryStringParameters: query.single, multiValueQueryStringParameters: query.multi } : {}),
    };

    if (connectRoute?.authorizationType === "CUSTOM" && this.model.authorizer) {
      const authorizer = this.model.authorizer;
      const missing = authorizer.identitySources.some((source) => !identitySourceValue(source, headers, query.single));
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
        return refuse(socket, result.error.errorMessage === "Unauthorized" ? 401 : 500, result.error.errorMessage === "Unauthorized" ? "Unauthorized" : "Internal server error");
      }
      const response = result.result as { principalId?: string; policyDocument?: { Statement?: { Effect?: string }[] }; context?: Record<string, unknown> };
      const allowed = response?.policyDocument?.Statement?.some((statement) => statement.Effect === "Allow") && !response.policyDocument.Statement.some((statement) => statement.Effect === "Deny");
      if (!allowed) return refuse(socket, 403, "Forbidden");
      connection.authorizer = { ...response.context, principalId: response.principalId, integrationLatency: Math.round(performance.now() - started) };
    }

    if (connectRoute) {
      const result = await this.fn(connectRoute.functionName).invoke({
        ...base,
        isBase64Encoded: false,
        requestContext: this.requestContext(connection, "$connect", "CONNECT"),
      });
      const status = result.ok ? Number((result.result as { statusCode?: number } | null)?.statusCode ?? 200) : 500;
      if (status < 200 || status > 299) return refuse(socket, status, status === 500 ? "Internal server error" : "Connection refused");
    }

    if (socket.destroyed) {
      // The client gave up during $connect; as AWS does, $disconnect still runs for a connection $connect accepted.
      void this.disconnected(connection, { statusCode: 1006, reason: "Client went away during the handshake" });
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, connection));
  }

  private accept(socket: WebSocket, details: Omit<Connection, "socket" | "lastActiveAt">): void {
    limitFrames(socket, this.limits.frameBytes);
    const connection: Connection = { ...details, socket, lastActiveAt: Date.now() };
    this.connections.set(connection.id, connection);
    socket.on("message", (data: Buffer, isBinary: boolean) => {
      connection.lastActiveAt = Date.now();
      void this.handleMessage(connection, data, isBinary);
    });
    socket.on("close", (code: number, reason: Buffer) => {
      this.connections.delete(connection.id);
      const closing = connection.closing ?? { statusCode: code, reason: reason.toString("utf8") };
      void this.disconnected(connection, closing);
    });
    socket.on("error", () => undefined);
  }

  private async handleMessage(connection: Connection, data: Buffer, isBinary: boolean): Promise<void> {
    const body = isBinary ? data.toString("base64") : data.toString("utf8");
    const routeKey = selectRoute(this.model.routeSelectionExpression, isBinary ? "" : body, this.routeKeys);
    const requestContext = this.requestContext(connection, routeKey ?? "$default", "MESSAGE", { messageId: randomBytes(6).toString("base64url") + "=" });
    if (!routeKey) {
      return this.sendGatewayMessage(connection, "Forbidden", requestContext.requestId);
    }
    if (!this.admit(connection.stage, routeKey)) {
      return this.sendGatewayMessage(connection, "Too Many Requests", requestContext.requestId);
    }
    const route = this.route(routeKey)!;
    let result;
    try {
      result = await this.fn(route.functionName).invoke({ requestContext, body, isBase64Encoded: isBinary });
    } catch (error) {
      this.log(`[${this.model.name}] ${routeKey} throttled: ${(error as Error).message}`);
      return this.sendGatewayMessage(connection, "Too Many Requests", requestContext.requestId);
    }
    if (!result.ok) {
      this.log(`[${this.model.name}] ${routeKey} failed: ${result.error.errorType}: ${result.error.errorMessage}`);
      this.sendGatewayMessage(connection, "Internal server error", requestContext.requestId);
    }
  }

  private sendGatewayMessage(connection: Connection, message: string, requestId: string): void {
    if (connection.socket.readyState === connection.socket.OPEN) {
      connection.socket.send(JSON.stringify({ message, connectionId: connection.id, requestId }));
    }
  }

  private async disconnected(connection: Omit<Connection, "socket" | "lastActiveAt">, closing: { statusCode: number; reason: string }): Promise<void> {
    const route = this.route("$disconnect");
    if (!route) return;
    const result = await this.fn(route.functionName).invoke({
      headers: { Host: this.domainName, "x-api-key": "", "X-Forwarded-For": connection.sourceIp },
      isBase64Encoded: false,
      requestContext: this.requestContext(connection, "$disconnect", "DISCONNECT", {
        disconnectStatusCode: closing.statusCode,
        disconnectReason: closing.reason,
      }),
    }).catch((error: Error) => ({ ok: false as const, error: { errorType: "Throttled", errorMessage: error.message }, durationMs: 0 }));
    if (!result.ok) this.log(`[${this.model.name}] $disconnect failed: ${result.error.errorMessage}`);
  }

  private closeIdle(): void {
    const now = Date.now();
    for (const connection of this.connections.values()) {
      if (now - connection.lastActiveAt > this.limits.idleTimeoutMs) {
        connection.closing = { statusCode: 1001, reason: "Going away" };
        connection.socket.close(1001, "Going away");
      } else if (now - connection.connectedAt > this.limits.maxConnectionMs) {
        connection.closing = { statusCode: 1001, reason: "Going away" };
        connection.socket.close(1001, "Going away");
      }
    }
  }

  /** `POST`, `GET` and `DELETE` `/{stage}/@connections/{id}`, as the API Gateway management API answers them. */
  private async handleManagement(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const match = /^\/([^/]+)\/(?:@|%40)connections\/([^/?]+)$/.exec(request.url?.split("?")[0] ?? "");
    if (!match || !this.model.stages.some((stage) => stage.name === match[1])) {
      return sendJson(response, 404, { message: "Not Found" });
    }
    const connectionId = decodeURIComponent(match[2]);
    const connection = this.connections.get(connectionId);
    const { bytes: body, size } = await readCappedBody(request, this.limits.messageBytes);
    if (!connection || connection.socket.readyState !== connection.socket.OPEN) {
      return sendJson(response, 410, { __type: "GoneException", message: `Connection ${connectionId} is gone` }, { "x-amzn-ErrorType": "GoneException" });
    }
    switch (request.method) {
      case "POST":
        if (size > this.limits.messageBytes) {
          return sendJson(response, 413, { __type: "PayloadTooLargeException", message: `Payload of ${size} bytes is over the ${this.limits.messageBytes}-byte limit` }, { "x-amzn-ErrorType": "PayloadTooLargeException" });
        }
        connection.lastActiveAt = Date.now();
        // Sent as a text frame, as API Gateway does, without decoding and re-encoding the bytes.
        connection.socket.send(body, { binary: false });
        response.writeHead(200).end();
        return;
      case "GET":
        return sendJson(response, 200, {
          ConnectedAt: new Date(connection.connectedAt).toISOString(),
          Identity: { SourceIp: connection.sourceIp, ...(connection.userAgent ? { UserAgent: connection.userAgent } : {}) },
          LastActiveAt: new Date(connection.lastActiveAt).toISOString(),
        });
      case "DELETE":
        connection.closing = { statusCode: 1005, reason: "Connection deleted through the management API" };
        connection.socket.close();
        response.writeHead(204).end();
        return;
      default:
        return sendJson(response, 405, { message: `Method ${request.method} is not supported on @connections` });
    }
  }
}

function refuse(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ message });
  socket.end(
    `HTTP/1.1 ${status} ${statusText(status)}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-amzn-RequestId: ${randomUUID()}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function statusText(status: number): string {
  return ({ 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error" } as Record<number, string>)[status] ?? "Error";
}

function headersOf(request: IncomingMessage): { headers: Headers; multiValueHeaders: Record<string, string[]> } {
  const headers: Headers = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    const name = request.rawHeaders[index];
    const value = request.rawHeaders[index + 1];
    headers[name] ??= value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  return { headers, multiValueHeaders };
}

function headerValue(headers: Headers, name: string): string | undefined {
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name.toLowerCase());
  return entry?.[1];
}

function queryOf(url: URL): { single: Record<string, string>; multi: Record<string, string[]> } {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) {
    single[key] = value;
    (multi[key] ??= []).push(value);
  }
  return { single, multi };
}

function identitySourceValue(source: string, headers: Headers, query: Record<string, string>): string | undefined {
  const header = /^route\.request\.header\.(.+)$/.exec(source)?.[1];
  if (header) return headerValue(headers, header) || undefined;
  const parameter = /^route\.request\.querystring\.(.+)$/.exec(source)?.[1];
  if (parameter) return query[parameter] || undefined;
  return undefined;
}

function formatRequestTime(date: Date): string {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}


function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
}
