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
