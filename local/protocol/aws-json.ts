/**
 * The front door every AWS JSON-protocol service of the local runtime shares (EventBridge today; GameLift, Secrets
 * Manager and the like as they come): `POST /` with `X-Amz-Target: <prefix><Operation>`, a JSON object body,
 * one action per operation, and errors as data, `{"__type", "message"}` with the real status code. Anything that is
 * not one of the service's operations answers `UnknownOperationException`. A service that checks who calls
 * (`authenticate`, with `local/protocol/sigv4.ts`) does so before any operation runs, and hands each the caller.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { guardRequests, listen, readCappedBody, type Listening } from "../services/http-listener";
import type { ReceivedRequest } from "./sigv4";

/** An error answered as AWS JSON protocols answer it: a code (the `__type` on the wire), a message and a status. */
export class AwsServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = "AwsServiceError";
  }
}

/** What AWS JSON APIs answer when the body cannot be read as the operation's input (bad JSON, wrong JSON types). */
export function serializationError(message: string): AwsServiceError {
  return new AwsServiceError("SerializationException", message);
}

export type JsonOperation<Caller = undefined> = (input: Record<string, unknown>, caller: Caller) => unknown;

export interface JsonProtocolService<Caller = undefined> {
  /** `X-Amz-Target` up to the operation name, e.g. `AWSEvents.`. */
  targetPrefix: string;
  /** The content type of answers: `application/x-amz-json-1.1` or `-1.0`, as the service's protocol is. */
  contentType: string;
  operations: Readonly<Record<string, JsonOperation<Caller>>>;
  /** Who sends the request (a signature check); throws the service's error for a caller it refuses. @default - nobody is checked */
  authenticate?: (request: ReceivedRequest) => Promise<Caller> | Caller;
  /** The service's own failures that are not AwsServiceErrors, turned into one; others answer a 500. */
  toServiceError?: (error: unknown) => AwsServiceError | undefined;
  /** The `__type` of an unexpected failure, as the service names it (`InternalException`, `InternalServiceError`). */
  internalErrorCode: string;
  /** Guard against runaway requests. @default - 2 MiB */
  maxBodyBytes?: number;
}

export async function startJsonProtocolService<Caller = undefined>(service: JsonProtocolService<Caller>, options: { port?: number; host?: string } = {}): Promise<Listening> {
  const server = createServer(
    guardRequests(
      async (request, response) => send(response, service, await answer(service, request)),
      (response, error) => send(response, service, errorReply(service, error)),
    ),
  );
  return listen(server, options.port, options.host);
}

interface Reply {
  status: number;
  body: unknown;
}

async function answer<Caller>(service: JsonProtocolService<Caller>, request: IncomingMessage): Promise<Reply> {
  try {
    const body = await readBody(request, service.maxBodyBytes ?? 2 * 1024 * 1024);
    const caller = service.authenticate
      ? await service.authenticate({ method: request.method ?? "", url: request.url ?? "/", headers: request.headers, body })
      : (undefined as Caller);
    const operation = operationOf(service, request);
    return { status: 200, body: await service.operations[operation](parseInput(body.toString("utf8")), caller) };
  } catch (error) {
    return errorReply(service, error);
  }
}

function operationOf<Caller>(service: JsonProtocolService<Caller>, request: IncomingMessage): string {
  const target = request.headers["x-amz-target"];
  const name = typeof target === "string" && target.startsWith(service.targetPrefix) ? target.slice(service.targetPrefix.length) : undefined;
  if (request.method === "POST" && name !== undefined && Object.hasOwn(service.operations, name)) return name;
  const what = request.method === "POST" && name !== undefined ? name : `${request.method} ${request.url} with X-Amz-Target ${JSON.stringify(target ?? null)}`;
  throw new AwsServiceError("UnknownOperationException", `Operation ${what} is not implemented by the local runtime`);
}

function parseInput(text: string): Record<string, unknown> {
  if (text.trim() === "") return {};
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw serializationError(`Request body is not valid JSON: ${(error as Error).message}`);
  }
  if (!isJsonObject(input)) throw serializationError(`Request body must be a JSON object, got ${text.slice(0, 80)}`);
  return input;
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The body's bytes, or a 413 error when it is over the limit. */
async function readBody(request: IncomingMessage, maxBodyBytes: number): Promise<Buffer> {
  const { bytes, size } = await readCappedBody(request, maxBodyBytes);
  if (size > maxBodyBytes) {
    throw new AwsServiceError("RequestEntityTooLargeException", `Request body of ${size} bytes is over the local limit of ${maxBodyBytes}`, 413);
  }
  return bytes;
}

function errorReply<Caller>(service: JsonProtocolService<Caller>, error: unknown): Reply {
  const known = error instanceof AwsServiceError ? error : service.toServiceError?.(error);
  if (known) return { status: known.statusCode, body: { __type: known.code, message: known.message } };
  const message = error instanceof Error ? error.message : String(error);
  return { status: 500, body: { __type: service.internalErrorCode, message: `Internal error in the local runtime: ${message}` } };
}

function send<Caller>(response: ServerResponse, service: JsonProtocolService<Caller>, reply: Reply): void {
  const payload = JSON.stringify(reply.body);
  response.writeHead(reply.status, {
    "Content-Type": service.contentType,
    "Content-Length": Buffer.byteLength(payload),
    "x-amzn-RequestId": randomUUID(),
  });
  response.end(payload);
}
