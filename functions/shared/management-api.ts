import { ApiGatewayManagementApiClient, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";

const clients = new Map<string, ApiGatewayManagementApiClient>();

/** One client per endpoint, kept for the life of the execution environment. */
export function managementClient(endpoint: string): ApiGatewayManagementApiClient {
  let client = clients.get(endpoint);
  if (!client) {
    client = new ApiGatewayManagementApiClient({ endpoint });
    clients.set(endpoint, client);
  }
  return client;
}

export type PostOutcome = "delivered" | "gone";

/** Posts one message to one connection: "gone" for a closed or unknown connection, throws for any other failure. */
export type ConnectionPost = (connectionId: string, data: string | Uint8Array) => Promise<PostOutcome>;

/** The SDK client's PostToConnection as a ConnectionPost. */
export function sdkPost(client: ApiGatewayManagementApiClient): ConnectionPost {
  return (connectionId, data) => postToConnection(client, connectionId, data);
}

/** Posts one message; a closed or unknown connection answers 410 and comes back as "gone". */
export async function postToConnection(
  client: ApiGatewayManagementApiClient,
  connectionId: string,
  data: string | Uint8Array,
): Promise<PostOutcome> {
  try {
    await client.send(
      new PostToConnectionCommand({
        ConnectionId: connectionId,
        Data: typeof data === "string" ? new TextEncoder().encode(data) : data,
      }),
    );
    return "delivered";
  } catch (error) {
    if (isGone(error)) {
      return "gone";
    }
    throw error;
  }
}

function isGone(error: unknown): boolean {
  const candidate = error as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return candidate?.name === "GoneException" || candidate?.$metadata?.httpStatusCode === 410;
}
