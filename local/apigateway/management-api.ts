/**
 * The `@connections` management API of one local WebSocket API: `POST`, `GET` and `DELETE`
 * `/{stage}/@connections/{connectionId}`, answered as API Gateway answers them (REST-JSON: camelCase members,
 * errors with `x-amzn-ErrorType`).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { decodePathSegment, parseRequestTarget } from "../protocol/http-request";
import { readCappedBody, RequestAbortedError } from "../services/http-listener";

export interface ManagedConnection {
  id: string;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent?: string;
}

export interface ManagementTarget {
  hasStage(name: string): boolean;
  /** The connection if it is open; undefined when it never existed, has closed or is closing. */
  openConnection(stage: string, connectionId: string): ManagedConnection | undefined;
  /** Largest message API Gateway accepts. */
  messageBytes: number;
  /** Sends one text message; false when the connection could not take it and is gone. */
  post(connection: ManagedConnection, data: Buffer): boolean;
  /** Closes the connection as `DeleteConnection` does. */
  remove(connection: ManagedConnection): void;
}

export class ManagementApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

const PATH = /^\/([^/]+)\/(?:@|%40)connections\/([^/]+)$/;

export async function handleManagementRequest(request: IncomingMessage, response: ServerResponse, target: ManagementTarget): Promise<void> {
  const { path } = parseRequestTarget(request.url);
  const match = PATH.exec(path);
  if (!match || !target.hasStage(match[1])) {
    return sendJson(response, 404, { message: "Not Found" });
  }
  const connectionId = decodePathSegment(match[2]);
  if (connectionId === undefined) {
    throw new ManagementApiError("BadRequestException", `Connection id ${JSON.stringify(match[2])} is not validly percent-encoded`, 400);
  }
  if (request.method !== "POST" && request.method !== "GET" && request.method !== "DELETE") {
    return sendJson(response, 405, { message: `Method ${request.method} is not supported on @connections` }, { Allow: "POST, GET, DELETE" });
  }
  const { bytes: body, size } = request.method === "POST" ? await readCappedBody(request, target.messageBytes) : { bytes: Buffer.alloc(0), size: 0 };
  const connection = target.openConnection(match[1], connectionId);
  if (!connection) throw gone(connectionId);
  switch (request.method) {
    case "POST":
      if (size > target.messageBytes) {
        throw new ManagementApiError("PayloadTooLargeException", `Payload of ${size} bytes is over the ${target.messageBytes}-byte limit`, 413);
      }
      if (!target.post(connection, body)) throw gone(connectionId);
      response.writeHead(200).end();
      return;
    case "GET":
      return sendJson(response, 200, {
        connectedAt: new Date(connection.connectedAt).toISOString(),
        identity: { sourceIp: connection.sourceIp, ...(connection.userAgent ? { userAgent: connection.userAgent } : {}) },
        lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
      });
    case "DELETE":
      target.remove(connection);
      response.writeHead(204).end();
      return;
  }
}

function gone(connectionId: string): ManagementApiError {
  return new ManagementApiError("GoneException", `Connection ${connectionId} is gone`, 410);
}

/** The error answer of the guarded entry point: the service's own errors as data, anything else as a 500. */
export function answerManagementError(response: ServerResponse, error: unknown): void {
  if (error instanceof RequestAbortedError) {
    response.destroy();
    return;
  }
  const known = error instanceof ManagementApiError ? error : new ManagementApiError("InternalServerErrorException", `Internal error in the local runtime: ${(error as Error)?.message ?? String(error)}`, 500);
  sendJson(response, known.statusCode, { __type: known.code, message: known.message }, { "x-amzn-ErrorType": known.code });
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)), ...headers }).end(payload);
}
