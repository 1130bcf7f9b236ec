import { DeleteCommand, DynamoDBDocumentClient, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { WebSocketEvent, WebSocketResult } from "../../functions/shared/websocket-event";
import { startManagementStub, type ManagementStub } from "./management-stub";
import { DOMAIN_NAME, setBaseEnvironment, webSocketEvent } from "./support";

setBaseEnvironment({
  MESSAGE_TYPE_FIELD: "type",
  CONNECTIONS_TABLE: "connections",
  CONNECTIONS_TABLE_TTL_ATTRIBUTE: "expiresAt",
  CONNECTIONS_TABLE_INDEXES: "roomId-index:roomId,userId-index:userId",
  ROOMS_TABLE: "rooms",
  ROOMS_TABLE_INDEXES: "listed-index:listed:roomId",
});
const dynamo = mockClient(DynamoDBDocumentClient);
let management: ManagementStub;

let handler: (event: WebSocketEvent) => Promise<WebSocketResult>;
const NOW = new Date("2025-01-02T03:04:05.678Z");

function disconnectEvent(): WebSocketEvent {
  return webSocketEvent({ eventType: "DISCONNECT", routeKey: "$disconnect", connectionId: "closing=" });
}

beforeAll(async () => {
  management = await startManagementStub(DOMAIN_NAME);
  ({ handler } = await import("../../functions/chat-disconnect/index"));
});

afterAll(() => management.close());

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
  dynamo.reset();
  management.reset();
  dynamo.on(DeleteCommand, { Key: { connectionId: "closing=" } }).resolves({ Attributes: { connectionId: "closing=", roomId: "general", userId: "alice", username: "Alice" } });
  dynamo.on(UpdateCommand).resolves({ Attributes: { members: 2 } });
  dynamo.on(QueryCommand).resolves({
    Items: [
      { connectionId: "bob=", userId: "bob", username: "Bob" },
      { connectionId: "carol=", userId: "carol", username: "Carol" },
    ],
  });
});

afterEach(() => {
  vi.useRealTimers();
});

describe("chat-disconnect handler", () => {
  it("does remove the connection, decrement its room and tell the others user_left when a member closes", async () => {
    // act
    const result = await handler(disconnectEvent());
    // assess
    expect(result).toEqual({ statusCode: 200 });
    expect(dynamo.commandCalls(DeleteCommand)[0].args[0].input).toEqual({ TableName: "connections", Key: { connectionId: "closing=" }, ReturnValues: "ALL_OLD" });
    expect(dynamo.commandCalls(UpdateCommand)[0].args[0].input).toMatchObject({ TableName: "rooms", Key: { roomId: "general" }, UpdateExpression: "ADD members :minusOne" });
    const left = { type: "user_left", roomId: "general", userId: "alice", username: "Alice", timestamp: NOW.toISOString() };
    expect(management.byRecipient()).toEqual([
      { connectionId: "bob=", message: left },
      { connectionId: "carol=", message: left },
    ]);
  });

  it("does tell no one and count nothing when the record was already gone", async () => {
    // prepare
    dynamo.on(DeleteCommand, { Key: { connectionId: "closing=" } }).resolves({});
    // act
    const result = await handler(disconnectEvent());
    // assess
    expect(result).toEqual({ statusCode: 200 });
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(management.posts).toHaveLength(0);
  });

  it("does remove a listener with its membership when it answers 410 to user_left", async () => {
    // prepare
    management.answers.set("carol=", 410);
    dynamo.on(DeleteCommand, { Key: { connectionId: "carol=" } }).resolves({ Attributes: { connectionId: "carol=", roomId: "general" } });
    // act
    await handler(disconnectEvent());
    // assess
    expect(dynamo.commandCalls(DeleteCommand).map((call) => call.args[0].input.Key)).toEqual([{ connectionId: "closing=" }, { connectionId: "carol=" }]);
    expect(dynamo.commandCalls(UpdateCommand).filter((call) => call.args[0].input.UpdateExpression === "ADD members :minusOne")).toHaveLength(2);
    // bob hears that the closing user left, and then that carol, found gone, left too
    const toBob = management.posts.filter((post) => post.connectionId === "bob=").map((post) => (post.message as { type: string }).type);
    expect(toBob).toEqual(["user_left", "user_left"]);
  });
});
