import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ClientError } from "../../functions/shared/errors";
import type { WebSocketEvent, WebSocketResult } from "../../functions/shared/websocket-event";
import { DOMAIN_NAME, SENDER, setBaseEnvironment, STAGE, webSocketEvent } from "./support";
import { startManagementStub, type ManagementStub } from "./management-stub";

setBaseEnvironment({ ROUTES: "sendaudio,audio,", MESSAGE_TYPE_FIELD: "action" });
let management: ManagementStub;

let handler: (event: WebSocketEvent) => Promise<WebSocketResult>;
let unroutableError: (body: string | null | undefined, knownRoutes: readonly string[], field: string) => ClientError;

interface ErrorMessage {
  action: string;
  code: string;
  message: string;
}

/** The single reply that was posted, checked to be to the sender. */
function onlyReply(): ErrorMessage {
  const posts = management.byRecipient();
  expect(posts).toHaveLength(1);
  expect(posts[0].connectionId).toBe(SENDER);
  return posts[0].message as ErrorMessage;
}

beforeAll(async () => {
  management = await startManagementStub(DOMAIN_NAME);
  ({ handler, unroutableError } = await import("../../functions/ws-default/index"));
});

afterAll(() => management.close());

beforeEach(() => {
  management.reset();
});

describe("ws-default handler", () => {
  it.each([
    ["the body is not JSON", "hello"],
    ["the body is empty", ""],
    ["there is no body", undefined],
  ])("does reply INVALID_JSON to the sender when %s", async (_name, body) => {
    // prepare
    const event = webSocketEvent({ body, routeKey: "$default" });
    // act
    const result = await handler(event);
    // assess
    expect(result).toEqual({ statusCode: 400 });
    expect(onlyReply()).toMatchObject({ action: "error", code: "INVALID_JSON" });
  });

  it.each([
    ["the object has no action", "{}"],
    ["the action is empty", '{"action":""}'],
    ["the action is a number", '{"action":5}'],
    ["the body is an array", '[{"action":"sendaudio"}]'],
    ["the body is a string", '"sendaudio"'],
    ["the body is JSON null", "null"],
  ])("does reply INVALID_MESSAGE listing the routes when %s", async (_name, body) => {
    // prepare
    const event = webSocketEvent({ body, routeKey: "$default" });
    // act
    const result = await handler(event);
    // assess
    expect(result).toEqual({ statusCode: 400 });
    const reply = onlyReply();
    expect(reply).toMatchObject({ action: "error", code: "INVALID_MESSAGE" });
    expect(reply.message).toBe('Message has no "action" naming a route; routes are: sendaudio, audio');
  });

  it("does reply UNKNOWN_ROUTE naming the action and listing the routes when the action is not a route", async () => {
    // prepare
    const event = webSocketEvent({ body: JSON.stringify({ action: "dance", data: "x" }), routeKey: "$default" });
    // act
    const result = await handler(event);
    // assess
    expect(result).toEqual({ statusCode: 400 });
    expect(onlyReply()).toEqual({
      action: "error",
      code: "UNKNOWN_ROUTE",
      message: 'Unknown action "dance"; routes are: sendaudio, audio',
    });
  });

  it("does quote at most 64 characters of the action when the action is long", async () => {
    // prepare
    const event = webSocketEvent({ body: JSON.stringify({ action: "z".repeat(1000) }), routeKey: "$default" });
    // act
    await handler(event);
    // assess
    expect(onlyReply().message).toBe(`Unknown action "${"z".repeat(64)}"; routes are: sendaudio, audio`);
  });

  it("does post the reply to https://{domainName}/{stage} when it replies", async () => {
    // prepare
    const event = webSocketEvent({ body: "{}", routeKey: "$default" });
    // act
    await handler(event);
    // assess
    expect(management.posts[0].endpoint).toBe(`https://${DOMAIN_NAME}/${STAGE}`);
  });

  it("does resolve when the sender is gone before the reply", async () => {
    // prepare
    management.answers.set(SENDER, 410);
    const event = webSocketEvent({ body: "{}", routeKey: "$default" });
    // act
    const result = await handler(event);
    // assess
    expect(result).toEqual({ statusCode: 400 });
    expect(management.posts).toHaveLength(1);
  });

  it("does send exactly one error reply to the sender and never throw when a client sends anything", async () => {
    const body = fc.oneof(
      fc.json(),
      fc.string(),
      fc.record({ action: fc.anything() }, { requiredKeys: [] }).map((value) => JSON.stringify(value)),
      fc.constantFrom(undefined, null, "", " "),
    );
    await fc.assert(
      fc.asyncProperty(body, async (input) => {
        // prepare
        management.reset();
              const event = webSocketEvent({ body: input, routeKey: "$default" });
        // act
        const result = await handler(event);
        // assess
        expect(result).toEqual({ statusCode: 400 });
        const reply = onlyReply();
        expect(reply.action).toBe("error");
        expect(["INVALID_JSON", "INVALID_MESSAGE", "UNKNOWN_ROUTE"]).toContain(reply.code);
        expect(reply.message).toMatch(/\S/);
      }),
      { numRuns: 200 },
    );
  });
});

describe("unroutableError", () => {
  it("does list the routes given when the action is unknown", () => {
    // prepare
    const routes = ["a", "b", "c"];
    // act
    const error = unroutableError('{"action":"x"}', routes, "action");
    // assess
    expect(error.code).toBe("UNKNOWN_ROUTE");
    expect(error.message).toBe('Unknown action "x"; routes are: a, b, c');
  });

  it("does throw INVALID_JSON when the body is not JSON", () => {
    // prepare
    const body = "{";
    // act
    const act = () => unroutableError(body, ["a"], "action");
    // assess
    expect(act).toThrow(expect.objectContaining({ code: "INVALID_JSON" }));
  });

  it("does name the field the API routes on when it is type", () => {
    // act
    const missing = unroutableError('{"action":"chat"}', ["chat", "join_room"], "type");
    const unknown = unroutableError('{"type":"dance"}', ["chat", "join_room"], "type");
    // assess
    expect(missing).toMatchObject({ code: "INVALID_MESSAGE", message: 'Message has no "type" naming a route; routes are: chat, join_room' });
    expect(unknown).toMatchObject({ code: "UNKNOWN_ROUTE", message: 'Unknown type "dance"; routes are: chat, join_room' });
  });

  it("does read a field named like an Object.prototype member as missing, not inherited", () => {
    // act
    const error = unroutableError("{}", ["a"], "constructor");
    // assess
    expect(error).toMatchObject({ code: "INVALID_MESSAGE" });
  });
});

describe("ws-default cold start", () => {
  it.each(["ROUTES", "MESSAGE_TYPE_FIELD"])("does fail to load when %s is not set", async (name) => {
    // prepare
    vi.resetModules();
    const saved = process.env[name];
    delete process.env[name];
    // act
    const loading = import("../../functions/ws-default/index");
    // assess
    await expect(loading).rejects.toThrow(`Environment variable ${name} is not set`);
    process.env[name] = saved;
  });
});
