import { DeleteCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { WebSocketEvent, WebSocketResult } from "../../functions/shared/websocket-event";
import { setBaseEnvironment, webSocketEvent } from "./support";

setBaseEnvironment({ CONNECTIONS_TABLE: "connections", CONNECTIONS_TABLE_TTL_ATTRIBUTE: "expiresAt" });
const dynamo = mockClient(DynamoDBDocumentClient);

let handler: (event: WebSocketEvent) => Promise<WebSocketResult>;

beforeAll(async () => {
  ({ handler } = await import("../../functions/voice-disconnect/index"));
});

beforeEach(() => {
  dynamo.reset();
  dynamo.on(DeleteCommand).resolves({});
});

describe("voice-disconnect handler", () => {
  it("does delete exactly the closing connection's record and answer 200 when a connection closes", async () => {
    // prepare
    const event = webSocketEvent({ eventType: "DISCONNECT", routeKey: "$disconnect", connectionId: "closing=" });
    // act
    const result = await handler(event);
    // assess
    expect(result).toEqual({ statusCode: 200 });
    expect(dynamo.commandCalls(DeleteCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: "connections", Key: { connectionId: "closing=" } },
    ]);
  });

  it("does delete the record when the connection had no verified identity", async () => {
    // prepare
    const event = webSocketEvent({ eventType: "DISCONNECT", routeKey: "$disconnect", connectionId: "anon=", authorizer: null });
    // act
    const result = await handler(event);
    // assess
    expect(result).toEqual({ statusCode: 200 });
    expect(dynamo.commandCalls(DeleteCommand)).toHaveLength(1);
  });

  it("does reject when the delete fails", async () => {
    // prepare
    dynamo.on(DeleteCommand).rejects(new Error("DynamoDB unavailable"));
    const event = webSocketEvent({ eventType: "DISCONNECT", routeKey: "$disconnect" });
    // act
    const outcome = handler(event);
    // assess
    await expect(outcome).rejects.toThrow("DynamoDB unavailable");
  });
});

describe("voice-disconnect cold start", () => {
  it("does fail to load when CONNECTIONS_TABLE is not set", async () => {
    // prepare
    vi.resetModules();
    process.env.CONNECTIONS_TABLE = "";
    // act
    const loading = import("../../functions/voice-disconnect/index");
    // assess
    await expect(loading).rejects.toThrow("Environment variable CONNECTIONS_TABLE is not set");
    process.env.CONNECTIONS_TABLE = "connections";
  });
});
