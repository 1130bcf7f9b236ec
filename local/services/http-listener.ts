import { randomUUID } from "node:crypto";
import type { IncomingMessage, RequestListener, Server, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";

export interface Listening {
  url: string;
  close(): Promise<void>;
}

/** Starts an HTTP server on a local port and gives its URL and a close that does not wait for kept-alive clients. */
export async function listen(server: Server, port = 0, host = "127.0.0.1"): Promise<Listening> {
  guardSockets(server);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const { address, port: boundPort } = server.address() as AddressInfo;
  const hostname = address.includes(":") ? `[${address}]` : address;
  return {
    url: `http://${hostname}:${boundPort}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // SDK clients and fetch keep connections alive; without this close() would wait for them
        server.closeAllConnections();
      }),
  };
}

const guarded = new WeakSet<Server>();

/**
 * Makes a server outlive whatever one client does: every socket has an error listener from accept to close (a client
 * that resets while a handshake, a body or an answer is pending is then just a closed socket), and a request Node
 * cannot parse is answered 400 (431 for oversized headers) in the JSON shape AWS front doors use.
 */
export function guardSockets(server: Server): void {
  if (guarded.has(server)) return;
  guarded.add(server);
  server.on("connection", (socket: Socket) => socket.on("error", () => undefined));
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || error.code === "ECONNRESET") {
      socket.destroy();
      return;
    }
    const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
    socket.end(rawResponse(status, { message: STATUS_TEXT[status] }));
  });
}

/**
 * The one guarded entry point of an HTTP front door: any failure of `handle`, thrown or rejected, becomes `answer`'s
 * error response while one can still be written, and otherwise closes that request's socket. Nothing escapes.
 */
export function guardRequests(
  handle: (request: IncomingMessage, response: ServerResponse) => Promise<void> | void,
  answer: (response: ServerResponse, error: unknown) => void,
): RequestListener {
  const fail = (response: ServerResponse, error: unknown) => {
    if (response.headersSent || response.destroyed) {
      response.destroy();
      return;
    }
    try {
      answer(response, error);
    } catch {
      response.destroy();
    }
  };
  return (request, response) => {
    try {
      const pending = handle(request, response);
      if (pending) pending.catch((error: unknown) => fail(response, error));
    } catch (error) {
      fail(response, error);
    }
  };
}

export const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  410: "Gone",
  413: "Payload Too Large",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** A whole HTTP/1.1 response with a JSON body, for sockets that no ServerResponse owns (upgrades, parse errors). */
export function rawResponse(status: number, body: unknown, headers: Record<string, string> = {}): string {
  const payload = JSON.stringify(body);
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Error"}`,
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(payload)}`,
    `x-amzn-RequestId: ${randomUUID()}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    "Connection: close",
  ];
  return `${lines.join("\r\n")}\r\n\r\n${payload}`;
}

/** A request body kept up to `cap` bytes; the rest is drained (so an error answer still reaches the client) and counted. */
export function readCappedBody(request: IncomingMessage, cap: number): Promise<{ bytes: Buffer; size: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= cap) chunks.push(chunk);
    });
    request.on("error", reject);
    // A client that closes before sending the whole body ends the request as aborted, not as an error here.
    request.on("close", () => {
      if (!request.complete) reject(new RequestAbortedError(`Request body ended after ${size} bytes: the client closed the connection`));
    });
    request.on("end", () => resolve({ bytes: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), size }));
  });
}

/** The client went away before its request was complete; there is nobody left to answer. */
export class RequestAbortedError extends Error {
  readonly code = "RequestAborted";
}
