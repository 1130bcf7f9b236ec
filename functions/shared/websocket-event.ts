import { UnauthenticatedError } from "./errors";

/** The parts of an API Gateway WebSocket event the functions read, for all three event types. */
export interface WebSocketEvent {
  body?: string | null;
  isBase64Encoded?: boolean;
  headers?: Record<string, string | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  requestContext: {
    apiId: string;
    connectionId: string;
    domainName: string;
    stage: string;
    routeKey: string;
    eventType: "CONNECT" | "MESSAGE" | "DISCONNECT";
    requestId: string;
    messageId?: string;
    connectedAt: number;
    requestTimeEpoch: number;
    authorizer?: Record<string, unknown> | null;
  };
}

export interface WebSocketResult {
  statusCode: number;
  body?: string;
}

/** The verified caller, as the `$connect` authorizer put it in the request context. */
export interface CallerIdentity {
  userId: string;
  username: string;
}

export function callerIdentity(event: WebSocketEvent): CallerIdentity {
  const context = event.requestContext.authorizer;
  const userId = context?.userId;
  const username = context?.username;
  if (typeof userId !== "string" || userId === "" || typeof username !== "string" || username === "") {
    throw new UnauthenticatedError("Connection has no verified identity");
  }
  return { userId, username };
}

/** The `@connections` endpoint of the API and stage a connection belongs to. */
export function managementEndpoint(domainName: string, stage: string): string {
  return `https://${domainName}/${stage}`;
}
