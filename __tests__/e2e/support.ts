import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Testing, type App, type TerraformStack } from "cdktf";
import WebSocket from "ws";
import { startRuntime, type LocalRuntime } from "../../local/runtime";
import { JsonClient } from "./json-client";
import { RUNTIME_ENTRY, RUNTIME_NODE_FLAGS } from "../../scripts/lib/bundle";
import { FUNCTIONS_DIST_DIR } from "../../scripts/lib/paths";
import { GameVoiceStack, type GameVoiceConfig } from "../../stacks/game-voice-stack";

export interface VoiceRuntime {
  runtime: LocalRuntime;
  url: string;
  apiKey: string;
  userPoolId: string;
  bucket: string;
  /** What the runtime logged, in order. */
  logs: string[];
  close(): Promise<void>;
}

/**
 * Synthesizes stacks into a folder laid out like a project (cdktf.out beside a copy of dist), so the runtime reads
 * exactly what `npm run synth` writes, and starts it as `npm start` does.
 */
export function prepareProject(compose: (app: App) => TerraformStack[]): string {
  const root = mkdtempSync(join(tmpdir(), "e2e-"));
  cpSync(FUNCTIONS_DIST_DIR, join(root, "dist", "functions"), { recursive: true });
  for (const stack of compose(Testing.app())) {
    const stackDir = join(root, "cdktf.out", "stacks", stack.node.id);
    mkdirSync(stackDir, { recursive: true });
    writeFileSync(join(stackDir, "cdk.tf.json"), Testing.synth(stack));
  }
  return root;
}

/** A project holding the game-voice stack alone. */
export function prepareVoiceProject(config: Partial<GameVoiceConfig> = {}): string {
  return prepareProject((app) => [new GameVoiceStack(app, "game-voice", { region: "us-east-1", ...config })]);
}

export async function startVoiceRuntime(config: Partial<GameVoiceConfig> = {}, dataDir?: string, existingRoot?: string): Promise<VoiceRuntime> {
  const root = existingRoot ?? prepareVoiceProject(config);
  const logs: string[] = [];
  const runtime = await startRuntime({ outDir: join(root, "cdktf.out"), log: (line) => logs.push(line), ttlSweepSeconds: 1, prewarm: "wait", dataDir });
  return voiceOf(runtime, "game-voice", logs, async () => {
    await runtime.close();
    if (!existingRoot) rmSync(root, { recursive: true, force: true });
  });
}

/** The endpoints of one voice stack of a running runtime, in the shape the helpers below take. */
export function voiceOf(runtime: LocalRuntime, stackId: string, logs: string[], close: () => Promise<void> = () => runtime.close()): VoiceRuntime {
  const endpoints = runtime.endpoints.stacks[stackId];
  if (!endpoints) throw new Error(`No stack ${stackId} in the runtime; it runs ${Object.keys(runtime.endpoints.stacks).join(", ")}`);
  return {
    runtime,
    url: endpoints.websocket!.url,
    apiKey: endpoints.websocket!.apiKey!,
    userPoolId: endpoints.userPools.players.id,
    bucket: endpoints.buckets.audio,
    logs,
    close,
  };
}

export async function tokenFor(voice: VoiceRuntime, username: string, expiresInSeconds?: number): Promise<string> {
  const response = await fetch(`${voice.runtime.endpoints.services.auth}/token`, {
    method: "POST",
    body: JSON.stringify({ userPoolId: voice.userPoolId, username, ...(expiresInSeconds ? { expiresInSeconds } : {}) }),
  });
  if (!response.ok) throw new Error(`Token request failed with ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { idToken: string }).idToken;
}

/** A connected voice player: a JSON client whose messages carry their kind in `action`. */
export class Player extends JsonClient {
  audio(): Record<string, unknown>[] {
    return this.ofType("audio", "action");
  }
}

export interface ConnectOptions {
  channel?: string;
  token?: string | null;
  tokenIn?: "header" | "query";
  apiKey?: string | null;
}

/** Opens a WebSocket as a game client would; rejects with the HTTP status when the handshake is refused. */
export function connect(voice: VoiceRuntime, options: ConnectOptions): Promise<Player> {
  const url = new URL(voice.url);
  if (options.channel) url.searchParams.set("channel", options.channel);
  const headers: Record<string, string> = {};
  const apiKey = options.apiKey === undefined ? voice.apiKey : options.apiKey;
  if (apiKey !== null) headers["x-api-key"] = apiKey;
  if (options.token) {
    if (options.tokenIn === "query") url.searchParams.set("token", options.token);
    else headers.Authorization = `Bearer ${options.token}`;
  }
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once("open", () => resolve(new Player(socket)));
    socket.once("unexpected-response", (_, response) => reject(Object.assign(new Error(`Handshake refused with ${response.statusCode}`), { status: response.statusCode })));
    socket.once("error", reject);
  });
}

export async function player(voice: VoiceRuntime, username: string, channel = "lobby"): Promise<Player> {
  return connect(voice, { channel, token: await tokenFor(voice, username) });
}

/** 16-bit mono PCM of `bytes` bytes, as base64. */
export function pcm(bytes: number, fill = 7): string {
  return Buffer.alloc(bytes, fill).toString("base64");
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RunningCli {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Settles once the process has exited and all it wrote has been read. */
  closed: Promise<void>;
}

/** Runs the bundled runtime the way `npm run local` does, in a project folder holding cdktf.out and dist. */
export function runCli(cwd: string, args: string[] = []): RunningCli {
  const child = spawn(process.execPath, [...RUNTIME_NODE_FLAGS, RUNTIME_ENTRY, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  return { child, output: () => output, exited, closed };
}

export async function waitForOutput(cli: RunningCli, text: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cli.output().includes(text)) {
    if (cli.child.exitCode !== null) throw new Error(`Runtime exited with ${cli.child.exitCode} before printing "${text}":\n${cli.output()}`);
    if (Date.now() > deadline) throw new Error(`Runtime did not print "${text}" within ${timeoutMs} ms:\n${cli.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
