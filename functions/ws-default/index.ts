import { readEnvironment } from "../shared/env";
import { ClientError, InvalidMessageError, UnknownRouteError } from "../shared/errors";
import { parseJsonBody } from "../shared/json-body";
import { observability, startInvocation } from "../shared/observability";
import { replyWithError } from "../shared/reply";
import type { WebSocketEvent, WebSocketResult } from "../shared/websocket-event";

const env = readEnvironment(["ROUTES"]);
const routes = env.ROUTES.split(",").filter((route) => route !== "");
const { logger } = observability("ws-default");

/** Why a message matched no route: not JSON, no action, or an action that is not a route. */
export function unroutableError(body: string | null | undefined, knownRoutes: readonly string[]): ClientError {
  const message = parseJsonBody(body);
  const action = typeof message === "object" && message !== null ? (message as { action?: unknown }).action : undefined;
  const list = knownRoutes.join(", ");
  if (typeof action !== "string" || action === "") {
    return new InvalidMessageError(`Message needs an "action"; routes are: ${list}`);
  }
  return new UnknownRouteError(`Unknown action ${JSON.stringify(action.slice(0, 64))}; routes are: ${list}`);
}

export const handler = async (event: WebSocketEvent): Promise<WebSocketResult> => {
  const { connectionId, domainName, stage, requestId } = event.requestContext;
  startInvocation(logger, { connectionId, requestId });
  let error: ClientError;
  try {
    error = unroutableError(event.body, routes);
  } catch (parseError) {
    error = parseError as ClientError;
  }
  await replyWithError({ domainName, stage, connectionId }, error, logger);
  return { statusCode: 400 };
};
