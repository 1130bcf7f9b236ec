/**
 * The front door of the local user pools. It serves what function code fetches from Cognito's issuer host
 * (`/{userPoolId}/.well-known/jwks.json` and `openid-configuration`; the runtime routes
 * `cognito-idp.{region}.amazonaws.com` here) and the local-only `POST /token`, which signs a user in without a
 * password. Errors are answered as data, `{"__type", "message"}`, with Cognito's status codes.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { parseRequestTarget } from "../protocol/http-request";
import { guardRequests, listen, readCappedBody } from "../services/http-listener";
import { CognitoError, invalidParameter, resourceNotFound, serialization } from "./errors";
import type { LocalUserPools, MintTokensInput } from "./user-pools";

export interface AuthServiceOptions {
  /** @default - 0, a free port chosen by the OS */
  port?: number;
  /** @default - "127.0.0.1" */
  host?: string;
  /** When set, pools of other regions are not found here, as on that region's Cognito endpoint. @default - any region */
  region?: string;
  /** Token requests are a few hundred bytes; this only guards against runaway bodies. @default - 64 KiB */
  maxBodyBytes?: number;
}

export interface AuthService {
  url: string;
  close(): Promise<void>;
}

const WELL_KNOWN = /^\/([^/]+)\/\.well-known\/(jwks\.json|openid-configuration)$/;
const ROUTES = "POST /token, GET /{userPoolId}/.well-known/jwks.json and GET /{userPoolId}/.well-known/openid-configuration";

/** Fields of the `POST /token` body and the JSON type each must have. */
const TOKEN_FIELDS = {
  userPoolId: "string",
  username: "string",
  clientId: "string",
  expiresInSeconds: "number",
  groups: "string[]",
  email: "string",
} as const;

export async function startAuthService(pools: LocalUserPools, options: AuthServiceOptions = {}): Promise<AuthService> {
  const settings = { region: options.region, maxBodyBytes: options.maxBodyBytes ?? 64 * 1024 };
  const server = createServer(
    guardRequests(
      async (request, response) => send(response, await handle(pools, request, settings)),
      (response, error) => send(response, errorReply(error)),
    ),
  );
  return listen(server, options.port, options.host);
}

interface Settings {
  region?: string;
  maxBodyBytes: number;
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

async function handle(pools: LocalUserPools, request: IncomingMessage, settings: Settings): Promise<Reply> {
  try {
    const method = request.method ?? "GET";
    const { path } = parseRequestTarget(request.url);
    if (path === "/token") {
      allowMethods(method, path, ["POST"]);
      const input = parseTokenRequest(await readBody(request, settings.maxBodyBytes));
      checkRegion(pools, input.userPoolId, settings, 400);
      return { status: 200, body: await pools.mintTokens(input) };
    }
    const wellKnown = WELL_KNOWN.exec(path);
    if (wellKnown) {
      allowMethods(method, path, ["GET", "HEAD"]);
      const userPoolId = decodeSegment(wellKnown[1]);
      // A plain GET of a missing document: 404, unlike the 400 of Cognito's JSON API
      if (!pools.has(userPoolId)) throw resourceNotFound(`User pool ${userPoolId} does not exist`, 404);
      checkRegion(pools, userPoolId, settings, 404);
      return { status: 200, body: wellKnown[2] === "jwks.json" ? await pools.jwks(userPoolId) : discovery(pools, userPoolId) };
    }
    throw new CognitoError("UnknownOperationException", `${method} ${path} is not implemented by the local runtime; it serves ${ROUTES}`, 404);
  } catch (error) {
    return errorReply(error);
  }
}

class MethodNotAllowedError extends CognitoError {
  constructor(
    message: string,
    readonly allowed: string[],
  ) {
    super("MethodNotAllowedException", message, 405);
  }
}

function allowMethods(method: string, path: string, allowed: string[]): void {
  if (allowed.includes(method)) return;
  throw new MethodNotAllowedError(`${method} ${path} is not implemented by the local runtime; use ${allowed.join(" or ")}`, allowed);
}

function checkRegion(pools: LocalUserPools, userPoolId: string, settings: Settings, status: number): void {
  const region = pools.regionOf(userPoolId);
  if (settings.region !== undefined && region !== undefined && region !== settings.region) {
    throw resourceNotFound(`User pool ${userPoolId} does not exist in ${settings.region}; it belongs to ${region}`, status);
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The minimal OpenID Connect discovery document: what a verifier needs to find the pool's keys. */
function discovery(pools: LocalUserPools, userPoolId: string): Record<string, unknown> {
  const issuer = pools.issuer(userPoolId);
  return {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
  };
}

function parseTokenRequest(text: string): MintTokensInput {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw serialization(`Request body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw serialization(`Request body must be a JSON object, got ${text.slice(0, 80)}`);
  }
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(input)) {
    if (!Object.hasOwn(TOKEN_FIELDS, name)) {
      throw invalidParameter(`Unknown field ${JSON.stringify(name)} in the token request; accepted fields are ${Object.keys(TOKEN_FIELDS).join(", ")}`);
    }
    // AWS JSON APIs read null as absent
    if (value === null) continue;
    const expected = TOKEN_FIELDS[name as keyof typeof TOKEN_FIELDS];
    const fits = expected === "string[]" ? Array.isArray(value) && value.every((item) => typeof item === "string") : typeof value === expected;
    if (!fits) throw serialization(`Field ${name} must be a JSON ${expected.replace("[]", " array")}, got ${JSON.stringify(value).slice(0, 80)}`);
    fields[name] = value;
  }
  for (const required of ["userPoolId", "username"]) {
    if (fields[required] === undefined) throw invalidParameter(`Missing required field ${required} in the token request`);
  }
  return fields as unknown as MintTokensInput;
}

/** The body as text, or a 413 error when it is over the limit. */
async function readBody(request: IncomingMessage, maxBodyBytes: number): Promise<string> {
  const { bytes, size } = await readCappedBody(request, maxBodyBytes);
  if (size > maxBodyBytes) {
    throw new CognitoError("RequestEntityTooLargeException", `Request body of ${size} bytes is over the local limit of ${maxBodyBytes}`, 413);
  }
  return bytes.toString("utf8");
}

function errorReply(error: unknown): Reply {
  if (error instanceof CognitoError) {
    const headers = error instanceof MethodNotAllowedError ? { Allow: error.allowed.join(", ") } : undefined;
    return { status: error.statusCode, body: { __type: error.code, message: error.message }, headers };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { status: 500, body: { __type: "InternalErrorException", message: `Internal error in the local runtime: ${message}` } };
}

function send(response: ServerResponse, reply: Reply): void {
  const payload = JSON.stringify(reply.body);
  response.writeHead(reply.status, {
    ...reply.headers,
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(payload),
    "x-amzn-RequestId": randomUUID(),
  });
  response.end(payload);
}
