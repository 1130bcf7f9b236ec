import { readEnvironment } from "../shared/env";
import { ClientError, InvalidMessageError, UnknownRouteError } from "../shared/errors";
import { parseJsonBody } from "../shared/json-body";
import { observability, startInvocation } from "../shared/observability";
import { messageTypeField } from "../shared/envelope";
import { replyWithError } from "../shared/reply";
import type { WebSocketEvent, WebSocketResult } from "../shared/websocket-event";

const env = readEnvironment(["ROUTES"]);
const routes = env.ROUTES.split(",").filter((route) => route !== "");
const typeField = messageTypeField();
const { logger } = observability("ws-default");

/** Why a message matched no route: not JSON, no `field` (the one the API routes on), or a value that is not a route. */
export function unroutableError(body: string | null | undefined, knownRoutes: readonly string[], field: string): ClientError {
  const message = parseJsonBody(body);
  const kind = typeof message === "object" && message !== null && !Array.isArray(message) && Object.hasOwn(message, field) ? (message as Record<string, unknown>)[field] : undefined;
  const list = knownRoutes.join(", ");
  if (typeof kind !== "string" || kind === "") {
    return new InvalidMessageError(`Message has no "${field}" naming a route; routes are: ${list}`);
  }
  return new UnknownRouteError(`Unknown ${field} ${JSON.stringify(kind.slice(0, 64))}; routes are: ${list}`);
}

export const handler = async (event: WebSocketEvent): Promise<WebSocketResult> => {
  const { connectionId, domainName, stage, requestId } = event.requestContext;
  startInvocation(logger, { connectionId, requestId });
  let error: ClientError;
  try {
    error = unroutableError(event.body, routes, typeField);
  } catch (parseError) {
    error = parseError as ClientError;
  }
  await replyWithError({ domainName, stage, connectionId }, error, typeField, logger);
  return { statusCode: 400 };
};
