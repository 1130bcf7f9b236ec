import { afterEach, beforeEach, vi } from "vitest";
/**
 * Helpers shared by the function tests: environment, WebSocket events, and reading what a mocked
 * client was sent. Not a test file itself (vitest only collects `*.test.ts`).
 */
import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
  type ApiGatewayManagementApiClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from "@aws-sdk/client-apigatewaymanagementapi";
import type { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { ISSUED_AT_SKEW_SECONDS } from "../../functions/shared/token-claims";
import type { WebSocketEvent } from "../../functions/shared/websocket-event";

/** Region, dummy credentials and silent Powertools, so no test reaches AWS or floods the output. */
export function setBaseEnvironment(extra: Record<string, string> = {}): void {
  Object.assign(process.env, {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "AKIDTESTTESTTEST",
    AWS_SECRET_ACCESS_KEY: "secret-test-key",
    POWERTOOLS_LOG_LEVEL: "SILENT",
    POWERTOOLS_METRICS_DISABLED: "true",
    ...extra,
  });
}

export const DOMAIN_NAME = "abc123.execute-api.us-east-1.amazonaws.com";
export const STAGE = "prod";
export const SENDER = "sender-conn=";

export interface EventOptions {
  body?: string | null;
  connectionId?: string;
  requestId?: string;
  authorizer?: Record<string, unknown> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  eventType?: "CONNECT" | "MESSAGE" | "DISCONNECT";
  routeKey?: string;
}

/** An API Gateway WebSocket event from the verified player `alice`, unless told otherwise. */
export function webSocketEvent(options: EventOptions = {}): WebSocketEvent {
  return {
    body: options.body,
    isBase64Encoded: false,
    queryStringParameters: options.queryStringParameters,
    requestContext: {
      apiId: "abc123",
      connectionId: options.connectionId ?? SENDER,
      domainName: DOMAIN_NAME,
      stage: STAGE,
      routeKey: options.routeKey ?? "sendaudio",
      eventType: options.eventType ?? "MESSAGE",
      requestId: options.requestId ?? "req-1",
      connectedAt: 1_700_000_000_000,
      requestTimeEpoch: 1_700_000_000_500,
      authorizer: options.authorizer === undefined ? { userId: "user-alice", username: "alice" } : options.authorizer,
    },
  };
}

export interface Posted {
  connectionId: string;
  message: unknown;
}

/** What `mockClient(ApiGatewayManagementApiClient)` returns. */
export type ManagementMock = ReturnType<typeof mockClient<ServiceInputTypes, ServiceOutputTypes, ApiGatewayManagementApiClientResolvedConfig>>;

/** Every PostToConnection the mock saw, with its Data decoded as JSON. */
export function postedMessages(mock: ManagementMock): Posted[] {
  return mock.commandCalls(PostToConnectionCommand).map((call) => {
    const input = call.args[0].input;
    const data = input.Data as Uint8Array | string;
    const text = typeof data === "string" ? data : new TextDecoder().decode(data);
    return { connectionId: input.ConnectionId ?? "", message: JSON.parse(text) };
  });
}

/** The endpoint (`https://host/path`) of the client that made the n-th PostToConnection. */
export async function postEndpoint(mock: ManagementMock, index = 0): Promise<string> {
  const client = mock.commandCalls(PostToConnectionCommand)[index].thisValue as ApiGatewayManagementApiClient;
  const endpointProvider = client.config.endpoint as unknown as () => Promise<{ protocol: string; hostname: string; path: string }>;
  const endpoint = await endpointProvider();
  return `${endpoint.protocol}//${endpoint.hostname}${endpoint.path}`;
}

/** A GetObject Body as the SDK's stream mixin presents it to the handler. */
export function objectBody(bytes: Uint8Array): { transformToByteArray: () => Promise<Uint8Array> } {
  return { transformToByteArray: async () => bytes };
}

/** Base64 of `length` bytes of a recognisable pattern. */
export function base64Of(length: number): string {
  return Buffer.from(Uint8Array.from({ length }, (_, index) => index % 251)).toString("base64");
}

const YEAR_SECONDS = 365 * 24 * 3600;

/** A claim value: absent, any JSON value at all, or (more often) one of the kind a well-formed token has. */
function claimValue(plausible: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.option(fc.oneof({ weight: 3, arbitrary: plausible }, { weight: 1, arbitrary: fc.jsonValue() }), { nil: undefined, freq: 10 });
}

/** A time `bound` seconds from `now` give or take 5, or (more often) well on the `inside` side of it, or up to two years beyond. */
function timeAround(now: number, bound: number, inside: 1 | -1): fc.Arbitrary<number> {
  const distance = fc.integer({ min: 6, max: 2 * YEAR_SECONDS });
  return fc
    .oneof(
      { weight: 1, arbitrary: fc.integer({ min: bound - 5, max: bound + 5 }) },
      { weight: 3, arbitrary: distance.map((away) => bound + inside * away) },
      { weight: 1, arbitrary: distance.map((away) => bound - inside * away) },
    )
    .map((offset) => now + offset);
}

/** The claims that the token checks read, each absent, any JSON value, or plausible; about one in eight is well formed. */
export function tokenClaimsArbitrary(now: number): fc.Arbitrary<Record<string, unknown>> {
  const name = fc.string({ minLength: 1, maxLength: 3 });
  return fc.record({
    exp: claimValue(timeAround(now, 0, 1)),
    iat: claimValue(timeAround(now, ISSUED_AT_SKEW_SECONDS, -1)),
    sub: claimValue(name),
    "cognito:username": claimValue(name),
    username: claimValue(name),
  });
}

/** What the token checks must accept, written independently of them: the oracle of the property tests. */
export function wellFormedClaims(claims: Record<string, unknown>, now: number): boolean {
  const { exp, iat, sub } = claims;
  const username = claims["cognito:username"] !== undefined ? claims["cognito:username"] : claims.username;
  return (
    typeof exp === "number" &&
    Number.isFinite(exp) &&
    exp >= now &&
    typeof iat === "number" &&
    Number.isFinite(iat) &&
    iat <= now + ISSUED_AT_SKEW_SECONDS &&
    typeof sub === "string" &&
    sub !== "" &&
    typeof username === "string" &&
    username !== ""
  );
}

/** Freezes Date at `now` for every test of the file, after `arrange` has set the mocks up, and thaws it after each. */
export function freezeClockForEachTest(now: Date, arrange: () => void): void {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(now);
    arrange();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}
