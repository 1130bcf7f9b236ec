import { CognitoJwtVerifier } from "aws-jwt-verify";
import { observability, startInvocation } from "../shared/observability";
import { readEnvironment } from "../shared/env";
import { checkTokenClaims, InvalidTokenClaimsError, type PlayerClaims } from "../shared/token-claims";

const env = readEnvironment(["USER_POOL_ID", "USER_POOL_CLIENT_ID"]);
const { logger } = observability("cognito-authorizer");
// Accepts ID and access tokens of this pool's game client; both name the player.
const verifier = CognitoJwtVerifier.create({ userPoolId: env.USER_POOL_ID, clientId: env.USER_POOL_CLIENT_ID, tokenUse: null });

export interface WebSocketAuthorizerEvent {
  methodArn: string;
  headers?: Record<string, string | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  requestContext?: { connectionId?: string; requestId?: string };
}

export interface AuthorizerResult {
  principalId: string;
  policyDocument: {
    Version: "2012-10-17";
    Statement: { Action: string; Effect: "Allow" | "Deny"; Resource: string }[];
  };
  context: { userId: string; username: string };
}

/** The token from `Authorization: Bearer <token>`, or else from the `token` query parameter (browsers cannot set headers). */
export function tokenFrom(event: WebSocketAuthorizerEvent): string | undefined {
  const header = Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === "authorization")?.[1];
  const bearer = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
  const query = event.queryStringParameters?.token;
  return bearer ?? (query && query.length > 0 ? query : undefined);
}

/** REQUEST authorizer of `$connect`: allows the connection for a valid player token, answers 401 otherwise. */
export const handler = async (event: WebSocketAuthorizerEvent): Promise<AuthorizerResult> => {
  startInvocation(logger, { connectionId: event.requestContext?.connectionId, requestId: event.requestContext?.requestId });
  const token = tokenFrom(event);
  if (!token) {
    logger.info("Connection refused: no token");
    throw new Error("Unauthorized");
  }
  let player: PlayerClaims;
  try {
    player = checkTokenClaims(await verifier.verify(token), Date.now() / 1000);
  } catch (error) {
    logger.info("Connection refused: token rejected", { reason: error instanceof InvalidTokenClaimsError ? error.reason : (error as Error).name });
    throw new Error("Unauthorized");
  }
  return {
    principalId: player.sub,
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: event.methodArn }],
    },
    context: { userId: player.sub, username: player.username },
  };
};
