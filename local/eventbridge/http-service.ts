/**
 * The front door of the local EventBridge: an HTTP server speaking the JSON 1.1 protocol as the AWS SDKs send it
 * (POST /, `X-Amz-Target: AWSEvents.<Operation>`), signatures ignored. Errors are answered as AWS's, with
 * `{"__type", "message"}` bodies and the real status codes.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { guardRequests, listen, readCappedBody } from "../services/http-listener";
import { EventBridgeError } from "./errors";
import type { LocalEventBridge } from "./event-bus";
import { InvalidEventPatternError } from "./event-pattern";
import { isObject, operations, serialization } from "./operations";

export interface EventBridgeServiceOptions {
  /** 0 lets the OS pick a free port. */
  port?: number;
  host?: string;
  /** Guard against runaway requests; PutEvents' own limit is far below it. */
  maxBodyBytes?: number;
}

export interface EventBridgeService {
  url: string;
  close(): Promise<void>;
}

const TARGET_PREFIX = "AWSEvents.";

export async function startEventBridgeService(
  engine: LocalEventBridge,
  options: EventBridgeServiceOptions = {}
): Promise<EventBridgeService> {
  const maxBodyBytes = options.maxBodyBytes ?? 2 * 1024 * 1024;
  const server = createServer(
    guardRequests(
      async (request, response) => {
        const { status, body } = await handle(engine, request, maxBodyBytes);
        send(response, status, body);
      },
      (response, error) => {
        const { status, body } = errorReply(error);
        send(response, status, body);
      },
    ),
  );
  return listen(server, options.port, options.host);
}

interface Reply {
  status: number;
  body: unknown;
}

async function handle(engine: LocalEventBridge, request: IncomingMessage, maxBodyBytes: number): Promise<Reply> {
  try {
    const text = await readBody(request, maxBodyBytes);
    const operation = operationOf(request);
    return { status: 200, body: operations[operation](engine, parseInput(text)) };
  } catch (error) {
    return errorReply(error);
  }
}

function operationOf(request: IncomingMessage): string {
  const target = request.headers["x-amz-target"];
  const name =
    typeof target === "string" && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
  if (request.method === "POST" && name !== undefined && Object.hasOwn(operations, name)) return name;
  const what =
    request.method === "POST" && name !== undefined
      ? name
      : `${request.method} ${request.url} with X-Amz-Target ${JSON.stringify(target ?? null)}`;
  throw new EventBridgeError("UnknownOperationException", `Operation ${what} is not implemented by the local runtime`);
}

function parseInput(text: string): Record<string, unknown> {
  if (text.trim() === "") return {};
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw serialization(`Request body is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(input)) throw serialization(`Request body must be a JSON object, got ${text.slice(0, 80)}`);
  return input;
}

/** The body as text, or a 413 error when it is over the limit. */
async function readBody(request: IncomingMessage, maxBodyBytes: number): Promise<string> {
  const { bytes, size } = await readCappedBody(request, maxBodyBytes);
  if (size > maxBodyBytes) {
    throw new EventBridgeError("RequestEntityTooLargeException", `Request body of ${size} bytes is over the local limit of ${maxBodyBytes}`, 413);
  }
  return bytes.toString("utf8");
}

function errorReply(error: unknown): Reply {
  if (error instanceof EventBridgeError) {
    return { status: error.statusCode, body: { __type: error.code, message: error.message } };
  }
  if (error instanceof InvalidEventPatternError) {
    return { status: 400, body: { __type: error.code, message: error.message } };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    status: 500,
    body: { __type: "InternalException", message: `Internal error in the local runtime: ${message}` },
  };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    "Content-Type": "application/x-amz-json-1.1",
    "Content-Length": Buffer.byteLength(payload),
    "x-amzn-RequestId": randomUUID(),
  });
  response.end(payload);
}
