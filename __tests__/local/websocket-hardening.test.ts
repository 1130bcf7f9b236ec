import { mkdtempSync } from "node:fs";
import { connect as connectTcp } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiGatewayManagementApiClient, GetConnectionCommand, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import { LocalFunction } from "../../local/functions/function-host";
import { LocalWebSocketApi } from "../../local/apigateway/websocket-api";
import type { WebSocketApiModel } from "../../local/apigateway/service";
import { LOCAL_CREDENTIALS } from "../../local/services/credentials";
import { eventually, functionModel, hostileRequest, openSocket, rawRequest, statusOf, upgradeRequest } from "./support";

const root = mkdtempSync(join(tmpdir(), "ws-hardening-"));

/** What the functions saw, from their log lines: `$connect` accepted, `$disconnect` run, messages routed. */
const seen = { connected: [] as string[], queries: new Map<string, Record<string, string>>(), disconnected: [] as { id: string; code: number }[], echoed: 0 };
const gatewayLog: string[] = [];

const functions = new Map<string, LocalFunction>();

function start(name: string, limits: ConstructorParameters<typeof LocalWebSocketApi>[1]["limits"] = {}): LocalWebSocketApi {
  const model: WebSocketApiModel = {
    address: `aws_apigatewayv2_api.${name}`,
    id: `${name}0000000`.slice(0, 10),
    name,
    routeSelectionExpression: "$request.body.action",
    stages: [{ name: "live" }],
    routes: [
      { routeKey: "$connect", functionName: "connect", authorizationType: "CUSTOM", apiKeyRequired: false },
      { routeKey: "$disconnect", functionName: "disconnect", authorizationType: "NONE", apiKeyRequired: false },
      { routeKey: "echo", functionName: "echo", authorizationType: "NONE", apiKeyRequired: false },
    ],
    authorizer: { id: "auth1", functionName: "auth", identitySources: [] },
    apiKeys: [],
  };
  return new LocalWebSocketApi(model, { region: "us-east-1", account: "000000000000", functions, log: (line) => gatewayLog.push(line), limits });
}

let api: LocalWebSocketApi;
let port: number;

beforeAll(async () => {
  const models = [
    functionModel(root, "auth", `export const handler = async (event) => {
      const token = event.queryStringParameters?.token ?? event.headers?.Authorization;
      if (token === "slow") await new Promise((r) => setTimeout(r, 150));
      if (token !== "good" && token !== "slow") throw new Error("Unauthorized");
      return { principalId: "u1", policyDocument: { Version: "2012-10-17", Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: event.methodArn }] }, context: { userId: "u1" } };
    };`),
    functionModel(root, "connect", `export const handler = async (event) => {
      const wait = Number(event.queryStringParameters?.wait ?? 0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      console.log("connected " + event.requestContext.connectionId + " " + JSON.stringify(event.queryStringParameters ?? {}));
      return { statusCode: 200 };
    };`),
    functionModel(root, "disconnect", `export const handler = async (event) => {
      console.log("disconnected " + event.requestContext.connectionId + " " + event.requestContext.disconnectStatusCode);
      return { statusCode: 200 };
    };`),
    functionModel(root, "echo", `export const handler = async (event) => { console.log("echoed"); return { statusCode: 200 }; };`),
  ];
  for (const model of models) {
    functions.set(model.name, new LocalFunction(model, {
      environment: {},
      routes: {},
      log: (line) => {
        const connected = /connected (\S+) (.*)$/.exec(line);
        if (connected && !line.includes("disconnected")) {
          seen.connected.push(connected[1]);
          seen.queries.set(connected[1], JSON.parse(connected[2]));
        }
        const disconnected = /disconnected (\S+) (\d+)/.exec(line);
        if (disconnected) seen.disconnected.push({ id: disconnected[1], code: Number(disconnected[2]) });
        if (line.includes("echoed")) seen.echoed += 1;
      },
    }));
  }
  await Promise.all([...functions.values()].map((fn) => fn.prewarm()));
  api = start("hardened", { sendBufferBytes: 256 * 1024, connectionMessageRate: 5, connectionMessageBurst: 5 });
  await api.listen(0);
  port = Number(new URL(api.url).port);
});

afterAll(async () => {
  await api.close();
  await Promise.all([...functions.values()].map((fn) => fn.close()));
});

/** A valid handshake right after whatever came before: the gateway still serves. */
async function assertServes(): Promise<void> {
  const socket = await openSocket(`${api.url}/live?token=good`);
  socket.close();
}

/** Resolves once every connection `$connect` accepted has had exactly one `$disconnect`. */
async function allDisconnected(): Promise<void> {
  await eventually(() => api.openConnections === 0 && seen.disconnected.length >= seen.connected.length, "a $disconnect for every $connect");
  expect(seen.disconnected.map((entry) => entry.id).sort()).toEqual([...seen.connected].sort());
}

describe("local WebSocket gateway facing hostile requests", () => {
  const reproductions: [string, () => string, number][] = [
    ["a query parameter named constructor", () => upgradeRequest("/live?constructor=1"), 401],
    ["a query parameter named __proto__", () => upgradeRequest("/live?__proto__=1"), 401],
    ["a query parameter named toString", () => upgradeRequest("/live?toString=x"), 401],
    ["a header named constructor", () => upgradeRequest("/live", "constructor: 1\r\n"), 401],
    ["a header named __proto__", () => upgradeRequest("/live", "__proto__: 1\r\n"), 401],
    ["the request target //", () => upgradeRequest("//"), 403],
    ["a management path ending in a lone %", () => "GET /live/@connections/% HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400],
    ["a management path with a truncated UTF-8 escape", () => "POST /live/@connections/%E0%A4%A HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", 400],
  ];

  it.each(reproductions)("does answer %s with its status and keep serving handshakes", async (_, request, status) => {
    // act
    const answer = await rawRequest(port, request());
    // assess
    expect(statusOf(answer)).toBe(status);
    await assertServes();
  });

  it("does keep serving when a management post's body is cut short by the client", async () => {
    // act
    await rawRequest(port, "POST /live/@connections/x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc", { closeAfterMs: 20 });
    // assess
    await assertServes();
  });

  it("does keep serving when a client resets before a refusal is written", async () => {
    // act
    const answers = await Promise.all(Array.from({ length: 10 }, (_, index) => rawRequest(port, upgradeRequest("/live?token=bad"), { resetAfterMs: index % 3 })));
    // assess
    expect(answers.every((answer) => answer === "" || statusOf(answer) === 401)).toBe(true);
    await assertServes();
  });

  it("does hand query parameters and headers named like Object.prototype members to $connect as plain data", async () => {
    // act
    await rawRequest(port, upgradeRequest("/live?token=good&constructor=1&__proto__=2&toString=3", "constructor: c\r\n"), { closeAfterMs: 300 });
    await eventually(() => [...seen.queries.values()].some((query) => parameter(query, "toString") === "3"), "the $connect of the odd query");
    // assess
    const query = [...seen.queries.values()].find((candidate) => parameter(candidate, "toString") === "3")!;
    expect(query).toMatchObject({ token: "good", constructor: "1", __proto__: "2", toString: "3" });
  });

  it.each([
    ["a wrong Sec-WebSocket-Version", upgradeRequest("/live?token=good").replace("Version: 13", "Version: 12"), 400],
    ["no Sec-WebSocket-Key", upgradeRequest("/live?token=good").replace(/Sec-WebSocket-Key: .*\r\n/, ""), 400],
    ["method POST", upgradeRequest("/live?token=good").replace(/^GET/, "POST"), 405],
    ["Upgrade: h2c", upgradeRequest("/live?token=good").replace("Upgrade: websocket", "Upgrade: h2c"), 400],
    ["a malformed Sec-WebSocket-Protocol", upgradeRequest("/live?token=good", "Sec-WebSocket-Protocol: a,,a\r\n"), 400],
  ])("does refuse an upgrade with %s before any function runs", async (_, request, status) => {
    // prepare
    const connectedBefore = seen.connected.length;
    // act
    const answer = await rawRequest(port, request);
    // then a handshake that must be accepted: its $connect is the only one since
    const marker = await openSocket(`${api.url}/live?token=good&marker=1`);
    marker.close();
    // assess
    expect(statusOf(answer)).toBe(status);
    expect(seen.connected.length).toBe(connectedBefore + 1);
    expect(seen.queries.get(seen.connected.at(-1)!)).toMatchObject({ marker: "1" });
  });

  it("does run $disconnect exactly once for each $connect it accepted when clients leave during the handshake", async () => {
    // act: 30 clients that terminate 1 to 10 ms after sending their handshake, while $connect takes 5 ms
    await Promise.all(
      Array.from({ length: 30 }, (_, index) => rawRequest(port, upgradeRequest("/live?token=good&wait=5"), { resetAfterMs: 1 + (index % 10) })),
    );
    // and clients that reset right after the authorizer ran, before $connect
    await Promise.all(Array.from({ length: 5 }, () => rawRequest(port, upgradeRequest("/live?token=slow"), { resetAfterMs: 120 })));
    // assess
    await allDisconnected();
  });

  it("does close a client that sends a binary frame with 1003", async () => {
    // prepare
    const socket = await openSocket(`${api.url}/live?token=good`);
    const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    // act
    socket.send(Buffer.from([1, 2, 3]), { binary: true });
    // assess
    await expect(closed).resolves.toBe(1003);
  });

  it("does answer GetConnection and PostToConnection in the shapes the AWS SDK reads", async () => {
    // prepare
    const socket = await openSocket(`${api.url}/live?token=good`, { "User-Agent": "hardening-test" });
    const id = await connectionIdOf(socket);
    const client = new ApiGatewayManagementApiClient({ endpoint: `http://${api.domainName}/live`, region: "us-east-1", credentials: LOCAL_CREDENTIALS });
    // act
    const info = await client.send(new GetConnectionCommand({ ConnectionId: id }));
    socket.close();
    await eventually(() => api.openConnections === 0, "the close");
    const gone = await client.send(new PostToConnectionCommand({ ConnectionId: id, Data: new TextEncoder().encode("late") })).catch((error: Error) => error);
    // assess
    expect(info.ConnectedAt).toBeInstanceOf(Date);
    expect(info.LastActiveAt).toBeInstanceOf(Date);
    expect(info.Identity).toEqual({ SourceIp: "127.0.0.1", UserAgent: "hardening-test" });
    expect((gone as Error).name).toBe("GoneException");
    client.destroy();
  });

  it("does close a client that never reads with 1008 once its send buffer is full, and answer 410 after", async () => {
    // prepare: a handshake on a raw socket that then stops reading
    const reader = connectTcp(port, "127.0.0.1");
    reader.on("error", () => undefined);
    const upgraded = new Promise<void>((resolve) => reader.once("data", () => resolve()));
    reader.write(upgradeRequest("/live?token=good&slow-reader=1"));
    await upgraded;
    reader.pause();
    await eventually(() => [...seen.queries.values()].some((query) => query["slow-reader"] === "1"), "the slow reader's $connect");
    const id = [...seen.queries.entries()].find(([, query]) => query["slow-reader"] === "1")![0];
    const post = () => fetch(`http://${api.domainName}/live/@connections/${encodeURIComponent(id)}`, { method: "POST", body: "z".repeat(128 * 1024) });
    // act: posts until the gateway gives up on the reader; the kernel's socket buffers take a few megabytes first
    const statuses: number[] = [];
    while (statuses.length < 400 && statuses.at(-1) !== 410) statuses.push((await post()).status);
    const after = (await post()).status;
    // assess
    expect(statuses.at(-1)).toBe(410);
    expect(statuses.slice(0, -1).every((status) => status === 200)).toBe(true);
    expect(after).toBe(410);
    await eventually(() => seen.disconnected.some((entry) => entry.id === id), "the slow reader's $disconnect");
    expect(seen.disconnected.find((entry) => entry.id === id)!.code).toBe(1008);
    reader.destroy();
  });

  it("does answer Too Many Requests past one connection's burst while another connection is still served", async () => {
    // prepare
    const flooder = await openSocket(`${api.url}/live?token=good`);
    const replies: string[] = [];
    flooder.on("message", (data) => replies.push(JSON.parse(String(data)).message));
    const echoedBefore = seen.echoed;
    // act: 50 messages at once, where the connection's bucket holds 5
    for (let index = 0; index < 50; index++) flooder.send(JSON.stringify({ action: "echo" }));
    await eventually(() => replies.length >= 44, "the throttled replies");
    const other = await openSocket(`${api.url}/live?token=good`);
    const otherReply = new Promise<string>((resolve) => other.once("message", (data) => resolve(JSON.parse(String(data)).message)));
    other.send(JSON.stringify({ action: "nothing-routes-this" }));
    // assess
    expect(replies.every((message) => message === "Too Many Requests")).toBe(true);
    await eventually(() => seen.echoed - echoedBefore + replies.length === 50, "every message answered or routed");
    expect(seen.echoed - echoedBefore).toBeLessThanOrEqual(6);
    await expect(otherReply).resolves.toBe("Forbidden");
    flooder.close();
    other.close();
  });

  it("does keep serving handshakes whatever request line, headers, query or management request a client sends", async () => {
    const paths = ["//", "/", "*", "/live", "/live/", "/live/@connections/", "/live/@connections/%", "/live/%40connections/%E0%A4%A", "http://x/live", "/live/@connections/a/b"];
    await fc.assert(
      fc.asyncProperty(hostileRequest(paths), async ({ bytes, options }) => {
        await rawRequest(port, bytes, options);
        await assertServes();
      }),
      { numRuns: 300 },
    );
    expect(gatewayLog.filter((line) => line.includes("handshake failed"))).toEqual([]);
    await allDisconnected();
  }, 90_000);
});

describe("local WebSocket gateway shutting down", () => {
  it("does close every client with 1001 and run $disconnect for each, handshakes in flight included", async () => {
    // prepare
    const stopping = start("stopping");
    await stopping.listen(0);
    const clients = await Promise.all(Array.from({ length: 3 }, () => openSocket(`${stopping.url}/live?token=good`)));
    const codes = clients.map((socket) => new Promise<number>((resolve) => socket.once("close", (code) => resolve(code))));
    const inFlight = openSocket(`${stopping.url}/live?token=good&wait=200`).then(
      () => "opened",
      (error: { status?: number }) => error.status ?? "failed",
    );
    // and clients that never close their side: one refused, one that sent nothing at all
    const stoppingPort = Number(new URL(stopping.url).port);
    const silent = [connectTcp(stoppingPort, "127.0.0.1"), connectTcp(stoppingPort, "127.0.0.1")];
    for (const socket of silent) socket.on("error", () => undefined);
    await Promise.all(silent.map((socket) => new Promise((resolve) => socket.once("connect", resolve))));
    // refused, before or during the stop, while it reads nothing and never closes its side
    silent[0].write(upgradeRequest("/live?token=bad"));
    const internals = stopping as unknown as { inFlight: Set<unknown>; sockets: Set<unknown> };
    await eventually(() => internals.inFlight.size > 0 && internals.sockets.size >= 5, "the handshake in flight and every client accepted");
    // act
    await stopping.close();
    // assess
    await expect(Promise.all(codes)).resolves.toEqual([1001, 1001, 1001]);
    expect(await inFlight).not.toBe("opened");
    await allDisconnected();
    await eventually(() => internals.sockets.size === 0, "every TCP connection closed by the gateway");
    for (const socket of silent) socket.destroy();
  });
});

/** A query parameter by name, read as an own entry (`toString` and friends included). */
function parameter(query: Record<string, string>, name: string): string | undefined {
  return Object.entries(query).find(([key]) => key === name)?.[1];
}

function connectionIdOf(socket: WebSocket): Promise<string> {
  const reply = new Promise<string>((resolve) => socket.once("message", (data) => resolve(JSON.parse(String(data))["connectionId"])));
  socket.send(JSON.stringify({ action: "nothing-routes-this" }));
  return reply;
}
