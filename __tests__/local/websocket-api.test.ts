import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { LocalFunction } from "../../local/functions/function-host";
import { LocalWebSocketApi } from "../../local/apigateway/websocket-api";
import { selectRoute } from "../../local/apigateway/route-selection";
import type { WebSocketApiModel } from "../../local/apigateway/service";
import { eventually, functionModel } from "./support";

const root = mkdtempSync(join(tmpdir(), "ws-api-"));

const fnModel = (name: string, source: string) => functionModel(root, name, source);

// The echo function answers through the management API, as real functions do.
const ECHO = `import https from "node:https";
export const handler = async (event) => {
  const { domainName, stage, connectionId, authorizer, routeKey } = event.requestContext;
  const body = JSON.stringify({ routeKey, authorizer, received: event.body.length });
  await new Promise((resolve, reject) => {
    const req = https.request({ hostname: domainName.split(":")[0], port: domainName.split(":")[1], method: "POST", path: "/" + stage + "/@connections/" + encodeURIComponent(connectionId) }, (res) => { res.resume(); res.on("end", resolve); });
    req.on("error", reject); req.end(body);
  });
  return { statusCode: 200 };
};`;

const disconnects: string[] = [];
/** Connections whose $connect took the slow path. */
const slowConnections: string[] = [];
let api: LocalWebSocketApi;
const functions = new Map<string, LocalFunction>();

beforeAll(async () => {
  const models = [
    fnModel("auth", `export const handler = async (event) => {
      const token = event.queryStringParameters?.token;
      if (token !== "good") throw new Error("Unauthorized");
      return { principalId: "u1", policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: event.methodArn }] }, context: { userId: "u1", username: "alice" } };
    };`),
    fnModel("connect", `export const handler = async (event) => {
      if (event.queryStringParameters?.channel === "slow") { console.log("slow " + event.requestContext.connectionId); await new Promise((r) => setTimeout(r, 400)); }
      return { statusCode: event.queryStringParameters?.channel === "bad" ? 400 : 200 };
    };`),
    fnModel("disconnect", `export const handler = async (event) => { console.log("bye " + event.requestContext.connectionId); return { statusCode: 200 }; };`),
    fnModel("echo", ECHO),
    fnModel("fails", `export const handler = async () => { throw new Error("boom"); };`),
  ];
  const routes: Record<string, string> = {};
  for (const model of models) {
    functions.set(model.name, new LocalFunction(model, {
      environment: {},
      routes,
      log: (line) => {
        const match = /bye (\S+)/.exec(line);
        if (match) disconnects.push(match[1]);
        const slow = /slow (\S+)/.exec(line);
        if (slow) slowConnections.push(slow[1]);
      },
    }));
  }
  const model: WebSocketApiModel = {
    address: "aws_apigatewayv2_api.test",
    id: "abc123defg",
    name: "test",
    routeSelectionExpression: "$request.body.action",
    apiKeySelectionExpression: "$request.header.x-api-key",
    stages: [{ name: "live" }],
    routes: [
      { routeKey: "$connect", functionName: "connect", authorizationType: "CUSTOM", apiKeyRequired: true },
      { routeKey: "$disconnect", functionName: "disconnect", authorizationType: "NONE", apiKeyRequired: false },
      { routeKey: "echo", functionName: "echo", authorizationType: "NONE", apiKeyRequired: false },
      { routeKey: "fails", functionName: "fails", authorizationType: "NONE", apiKeyRequired: false },
    ],
    authorizer: { id: "auth1", functionName: "auth", identitySources: [] },
    apiKeys: [{ name: "key", value: "secret-key" }],
  };
  api = new LocalWebSocketApi(model, { region: "us-east-1", account: "000000000000", functions, log: () => {} });
  await api.listen(0);
  routes[api.domainName] = `http://${api.domainName}`;
});

afterAll(async () => {
  await api.close();
  await Promise.all([...functions.values()].map((fn) => fn.close()));
});

function connect(query: string, headers: Record<string, string> = { "x-api-key": "secret-key" }): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${api.url}/live?${query}`, { headers });
    socket.once("open", () => resolve(socket));
    socket.once("unexpected-response", (_, response) => reject(new Error(`status ${response.statusCode}`)));
    socket.once("error", reject);
  });
}

function nextMessage(socket: WebSocket): Promise<Record<string, unknown>> {
  return new Promise((resolve) => socket.once("message", (data) => resolve(JSON.parse(String(data)))));
}

function closed(socket: WebSocket): Promise<number> {
  return new Promise((resolve) => socket.once("close", (code) => resolve(code)));
}

describe("local WebSocket API", () => {
  it("refuses the handshake with 403 when the API key is missing or wrong", async () => {
    await expect(connect("token=good", {})).rejects.toThrow("status 403");
    await expect(connect("token=good", { "x-api-key": "nope" })).rejects.toThrow("status 403");
  });

  it("refuses the handshake with 401 when the authorizer rejects the token", async () => {
    await expect(connect("token=bad")).rejects.toThrow("status 401");
  });

  it("refuses the handshake with the status $connect returns when it is not 2xx", async () => {
    await expect(connect("token=good&channel=bad")).rejects.toThrow("status 400");
  });

  it("passes the authorizer context to every later event and routes by action", async () => {
    const socket = await connect("token=good");

    socket.send(JSON.stringify({ action: "echo", data: "hi" }));
    const reply = await nextMessage(socket);

    expect(reply).toMatchObject({ routeKey: "echo", authorizer: { userId: "u1", username: "alice", principalId: "u1" } });
    socket.close();
  });

  it("answers Forbidden when no route matches and there is no $default", async () => {
    const socket = await connect("token=good");

    socket.send("not json");
    const reply = await nextMessage(socket);

    expect(reply).toMatchObject({ message: "Forbidden" });
    expect(typeof reply.connectionId).toBe("string");
    socket.close();
  });

  it("answers Internal server error when the route's function fails", async () => {
    const socket = await connect("token=good");

    socket.send(JSON.stringify({ action: "fails" }));

    await expect(nextMessage(socket)).resolves.toMatchObject({ message: "Internal server error" });
    socket.close();
  });

  it("closes with 1009 when one frame is over 32 KB", async () => {
    const socket = await connect("token=good");

    socket.send(JSON.stringify({ action: "echo", data: "x".repeat(33 * 1024) }));

    await expect(closed(socket)).resolves.toBe(1009);
  });

  it("accepts a message of 100 KB sent in frames of at most 32 KB", async () => {
    const socket = await connect("token=good");
    const message = JSON.stringify({ action: "echo", data: "y".repeat(100 * 1024) });
    const chunk = 30 * 1024;

    for (let offset = 0; offset < message.length; offset += chunk) {
      socket.send(message.slice(offset, offset + chunk), { fin: offset + chunk >= message.length });
    }

    await expect(nextMessage(socket)).resolves.toMatchObject({ routeKey: "echo", received: message.length });
    socket.close();
  });

  it("answers 413 on @connections when a post is over 128 KB, and delivers one at the limit", async () => {
    const socket = await connect("token=good");
    socket.send(JSON.stringify({ action: "echo" }));
    const { routeKey } = await nextMessage(socket);
    const managementBase = `http://${api.domainName}/live/@connections/`;
    // The newest open connection is this socket's.
    const ids = [...(api as unknown as { connections: Map<string, unknown> }).connections.keys()];
    const id = ids[ids.length - 1];

    const tooBig = await fetch(managementBase + encodeURIComponent(id), { method: "POST", body: "x".repeat(128 * 1024 + 1) });
    const received = nextMessage(socket).catch(() => undefined);
    const atLimit = await fetch(managementBase + encodeURIComponent(id), { method: "POST", body: JSON.stringify({ pad: "y".repeat(128 * 1024 - 12) }) });

    expect(routeKey).toBe("echo");
    expect(tooBig.status).toBe(413);
    await expect(tooBig.json()).resolves.toMatchObject({ __type: "PayloadTooLargeException" });
    expect(atLimit.status).toBe(200);
    await expect(received).resolves.toMatchObject({ pad: expect.any(String) });
    socket.close();
  });

  it("answers 410 on @connections for an unknown connection", async () => {
    const response = await fetch(`http://${api.domainName}/live/@connections/unknown`, { method: "POST", body: "x" });

    expect(response.status).toBe(410);
    await expect(response.json()).resolves.toMatchObject({ __type: "GoneException" });
  });

  it("runs $disconnect once for a connection $connect accepted after the client had already gone", async () => {
    const socket = new WebSocket(`${api.url}/live?token=good&channel=slow`, { headers: { "x-api-key": "secret-key" } });
    socket.on("error", () => undefined);

    await eventually(() => slowConnections.length === 1, "the slow $connect to start");
    socket.terminate();
    await eventually(() => disconnects.includes(slowConnections[0]), "$disconnect of the slow connection");
    // A connection opened and dropped after it proves, once its own $disconnect ran, that a second one had its turn
    const marker = await connect("token=good");
    marker.send("not json");
    const markerId = (await nextMessage(marker)).connectionId as string;
    marker.terminate();
    await eventually(() => disconnects.includes(markerId), "$disconnect of the marker connection");

    expect(slowConnections).toHaveLength(1);
    expect(disconnects.filter((id) => id === slowConnections[0])).toHaveLength(1);
  });

  it("runs $disconnect when a client goes away without a close frame", async () => {
    const socket = await connect("token=good");
    socket.send("not json");
    const connectionId = (await nextMessage(socket)).connectionId as string;
    const before = api.openConnections;

    socket.terminate();
    await eventually(() => disconnects.includes(connectionId), "$disconnect of the dropped connection");

    expect(api.openConnections).toBe(before - 1);
  });
});

describe("local WebSocket API stage throttling", () => {
  let throttled: LocalWebSocketApi;

  beforeAll(async () => {
    // The stage's default route settings: 1 request a second, bursts of 2, for each route.
    throttled = new LocalWebSocketApi(
      {
        address: "aws_apigatewayv2_api.throttled",
        id: "thr0ttled1",
        name: "throttled",
        routeSelectionExpression: "$request.body.action",
        stages: [{ name: "live", throttlingRateLimit: 1, throttlingBurstLimit: 2 }],
        routes: [
          { routeKey: "$connect", functionName: "connect", authorizationType: "NONE", apiKeyRequired: false },
          { routeKey: "fails", functionName: "fails", authorizationType: "NONE", apiKeyRequired: false },
        ],
        apiKeys: [],
      },
      { region: "us-east-1", account: "000000000000", functions, log: () => {} },
    );
    await throttled.listen(0);
  });

  afterAll(async () => {
    await throttled.close();
  });

  const open = () =>
    new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(`${throttled.url}/live`);
      socket.once("open", () => resolve(socket));
      socket.once("unexpected-response", (_, response) => reject(Object.assign(new Error(`status ${response.statusCode}`), { status: response.statusCode })));
      socket.once("error", reject);
    });

  it("does answer Too Many Requests past the burst and still run the route for the requests within it", async () => {
    // prepare
    const socket = await open();
    const replies: Record<string, unknown>[] = [];
    socket.on("message", (data) => replies.push(JSON.parse(String(data))));
    // act
    for (let index = 0; index < 3; index++) socket.send(JSON.stringify({ action: "fails" }));
    const deadline = Date.now() + 5000;
    while (replies.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    socket.close();
    // assess: the two within the burst reach the failing function; the third never does
    expect(replies.map((reply) => reply.message).sort()).toEqual(["Internal server error", "Internal server error", "Too Many Requests"]);
  });

  it("does refuse handshakes with 429 once $connect is past its burst", async () => {
    // prepare
    const outcomes: (WebSocket | number)[] = [];
    // act: four handshakes in quick succession, where the bucket holds at most two
    for (let index = 0; index < 4; index++) outcomes.push(await open().catch((error: { status: number }) => error.status));
    // assess
    const opened = outcomes.filter((outcome): outcome is WebSocket => typeof outcome !== "number");
    expect(opened.length).toBeLessThanOrEqual(2);
    expect(outcomes.filter((outcome) => typeof outcome === "number")).toEqual(Array(4 - opened.length).fill(429));
    for (const socket of opened) socket.close();
  });
});

describe("route selection", () => {
  const keys = new Set(["$default", "sendaudio"]);

  it("picks the action's route when it exists", () => {
    expect(selectRoute("$request.body.action", '{"action":"sendaudio"}', keys)).toBe("sendaudio");
  });

  it("falls back to $default when the body is not JSON, has no action, or names no route", () => {
    expect(selectRoute("$request.body.action", "nope", keys)).toBe("$default");
    expect(selectRoute("$request.body.action", "{}", keys)).toBe("$default");
    expect(selectRoute("$request.body.action", '{"action":"$connect"}', keys)).toBe("$default");
  });

  it("follows a nested selection expression", () => {
    expect(selectRoute("$request.body.meta.kind", '{"meta":{"kind":"sendaudio"}}', keys)).toBe("sendaudio");
  });
});
