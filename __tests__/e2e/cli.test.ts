import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import packageJson from "../../package.json";
import { RUNTIME_NODE_FLAGS } from "../../scripts/lib/bundle";
import { LOCAL_CREDENTIALS } from "../../local/services/credentials";
import { rawRequest, statusOf, upgradeRequest } from "../local/support";
import { prepareVoiceProject, runCli, waitForOutput } from "./support";

let root: string;

beforeAll(() => {
  root = prepareVoiceProject();
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("npm start's runtime process", () => {
  it("does write the contract's endpoints, serve a client and stop cleanly on SIGINT when started in a project folder", async () => {
    // prepare
    const cli = runCli(root);
    await waitForOutput(cli, "Ready in");
    const endpoints = JSON.parse(readFileSync(join(root, ".local", "endpoints.json"), "utf8"));
    const voice = endpoints.stacks["game-voice"];
    const token = await fetch(`${endpoints.services.auth}/token`, {
      method: "POST",
      body: JSON.stringify({ userPoolId: voice.userPools.players.id, username: "cli-user" }),
    }).then(async (response) => ((await response.json()) as { idToken: string }).idToken);
    // act
    const socket = new WebSocket(`${voice.websocket.url}?channel=cli&token=${token}`, { headers: { "x-api-key": voice.websocket.apiKey } });
    const reply = await new Promise<Record<string, unknown>>((resolve, reject) => {
      socket.once("open", () => socket.send("not json"));
      socket.once("message", (data) => resolve(JSON.parse(String(data))));
      socket.once("unexpected-response", (_, response) => reject(new Error(`Handshake refused with ${response.statusCode}`)));
      socket.once("error", reject);
    });
    socket.close();
    cli.child.kill("SIGINT");
    const code = await cli.exited;
    // assess
    expect(Object.keys(endpoints.stacks)).toEqual(["game-voice"]);
    expect(voice.websocket.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/live$/);
    expect(voice.websocket.apiKey).toEqual(expect.any(String));
    expect(voice.http).toBeNull();
    expect(voice.tables).toMatchObject({ connections: "game-voice-connections" });
    expect(voice.buckets.audio).toEqual(expect.any(String));
    expect(voice.userPools.players).toEqual({ id: expect.stringMatching(/^us-east-1_/), clientId: expect.any(String) });
    expect(voice.roles).toEqual({});
    for (const service of ["dynamodb", "s3", "events", "auth"]) expect(endpoints.services[service]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(reply).toMatchObject({ action: "error", code: "INVALID_JSON" });
    expect(code).toBe(0);
    expect(cli.output()).toContain("Stopped");
    expect(cli.output()).toContain("not emulated locally");
    expect(cli.output()).toContain(`[runtime] WebSocket API game-voice on ${voice.websocket.url.replace(/\/live$/, "")}`);
    expect(cli.output()).toContain("[runtime] 2 table(s), 1 bucket(s), 0 secret(s), 7 function(s), 2 rule(s), 1 WebSocket API(s); functions warming in the background");
  });

  it("does exit with 1 and name the value when --port is not a port number", async () => {
    // prepare
    const cli = runCli(root, ["--port", "lots"]);
    // act
    const code = await cli.exited;
    // assess
    expect(code).toBe(1);
    expect(cli.output()).toContain('--port must be a whole number from 0 to 65000, got "lots"');
  });

  it("does exit with 1 and list the synthesized stacks when --stacks names one that was not synthesized", async () => {
    // prepare
    rmSync(join(root, ".local"), { recursive: true, force: true });
    const cli = runCli(root, ["--stacks", "poker"]);
    // act
    const code = await cli.exited;
    // assess
    expect(code).toBe(1);
    expect(cli.output()).toContain("Unknown stack poker; synthesized stacks are game-voice");
    expect(existsSync(join(root, ".local", "endpoints.json"))).toBe(false);
  });

  it("does pass the runtime's Node flags in both scripts that start it", () => {
    // prepare
    const command = `node ${RUNTIME_NODE_FLAGS.join(" ")} dist/local/cli.mjs`;
    // act
    const { start, local } = packageJson.scripts;
    // assess
    expect(start).toBe(`npm run synth && ${command}`);
    expect(local).toBe(command);
  });

  it("does keep running and serving handshakes after each request that used to stop it", async () => {
    // prepare
    const cli = runCli(root);
    await waitForOutput(cli, "Ready in");
    const { voice, services, port, stage } = readEndpoints();
    const withKey = `x-api-key: ${voice.websocket.apiKey}\r\n`;
    const reproductions = [
      upgradeRequest(`/${stage}?constructor=1`),
      upgradeRequest(`/${stage}?__proto__=1`),
      upgradeRequest(`/${stage}?toString=x`),
      upgradeRequest(`/${stage}`, "constructor: 1\r\n"),
      upgradeRequest(`/${stage}`, "__proto__: 1\r\n"),
      upgradeRequest("//"),
      `GET /${stage}/@connections/% HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      `POST /${stage}/@connections/%E0%A4%A HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
    ];
    // act
    const statuses = [];
    for (const request of reproductions) statuses.push(statusOf(await rawRequest(port, request)));
    await rawRequest(port, `POST /${stage}/@connections/x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc`, { closeAfterMs: 20 });
    await rawRequest(port, upgradeRequest(`/${stage}?token=forged`, withKey), { resetAfterMs: 0 });
    const token = await tokenOf(services.auth, voice.userPools.players.id, "survivor");
    const handshake = statusOf(await rawRequest(port, upgradeRequest(`/${stage}?token=${token}`, withKey), { closeAfterMs: 500 }));
    const alive = cli.child.exitCode === null;
    cli.child.kill("SIGTERM");
    const code = await cli.exited;
    // assess
    expect(statuses).toEqual([403, 403, 403, 403, 403, 403, 400, 400]);
    expect(alive).toBe(true);
    expect(handshake).toBe(101);
    expect(code).toBe(0);
    expect(cli.output()).not.toContain("internal error");
  });

  it("does close connected clients with 1001, run $disconnect for each and release the data folder on SIGTERM", async () => {
    // prepare
    const data = mkdtempSync(join(tmpdir(), "cli-data-"));
    const cli = runCli(root, ["--data", data]);
    await waitForOutput(cli, "Ready in");
    const { voice, services } = readEndpoints();
    const sockets = await Promise.all(
      ["ann", "ben", "cat"].map(async (username) => {
        const token = await tokenOf(services.auth, voice.userPools.players.id, username);
        const socket = new WebSocket(`${voice.websocket.url}?channel=stopping&token=${token}`, { headers: { "x-api-key": voice.websocket.apiKey } });
        await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
        return socket;
      }),
    );
    const codes = sockets.map((socket) => new Promise<number>((resolve) => socket.once("close", (closeCode) => resolve(closeCode))));
    // act
    cli.child.kill("SIGTERM");
    const code = await cli.exited;
    const lockLeft = existsSync(join(data, "runtime.lock"));
    // then the same folder again: the connection records that $disconnect removed are gone for good
    const again = runCli(root, ["--data", data]);
    await waitForOutput(again, "Ready in");
    const dynamodb = new DynamoDBClient({ endpoint: readEndpoints().services.dynamodb, region: "us-east-1", credentials: LOCAL_CREDENTIALS });
    const records = await dynamodb.send(new ScanCommand({ TableName: voice.tables.connections }));
    dynamodb.destroy();
    again.child.kill("SIGTERM");
    await again.exited;
    rmSync(data, { recursive: true, force: true });
    // assess
    expect(code).toBe(0);
    await expect(Promise.all(codes)).resolves.toEqual([1001, 1001, 1001]);
    expect(cli.output().match(/"message":"Disconnected"/g)).toHaveLength(3);
    expect(cli.output()).toContain("Stopped");
    expect(lockLeft).toBe(false);
    expect(records.Items).toEqual([]);
  });
});

function readEndpoints() {
  const endpoints = JSON.parse(readFileSync(join(root, ".local", "endpoints.json"), "utf8"));
  const voice = endpoints.stacks["game-voice"];
  const url = new URL(voice.websocket.url);
  return { voice, services: endpoints.services, port: Number(url.port), stage: url.pathname.slice(1) };
}

async function tokenOf(auth: string, userPoolId: string, username: string): Promise<string> {
  const response = await fetch(`${auth}/token`, { method: "POST", body: JSON.stringify({ userPoolId, username }) });
  return ((await response.json()) as { idToken: string }).idToken;
}
