/**
 * `npm run bench`: measures what the design budgets, prints a table and writes `.local/bench-results.json`.
 * Each latency is also measured for a plain `ws` broadcast of the same messages in the same run, so the
 * runtime's own overhead shows as a ratio on any machine.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { Agent, request } from "node:http";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { DynamoDBClient, ScanCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import WebSocket, { WebSocketServer } from "ws";
import { broadcast } from "../functions/shared/broadcaster";
import { sdkPost } from "../functions/shared/management-api";
import { readSynthesizedStacks } from "../local/model/terraform-config";
import type { Endpoints } from "../local/endpoints";
import { functionEnvironment } from "../local/functions/service";
import { functionNames, RUNTIME_ENTRY, RUNTIME_NODE_FLAGS } from "./lib/bundle";
import { coldImportTargets } from "./lib/cold-import-targets";
import { FUNCTIONS_DIST_DIR, PROJECT_ROOT, SYNTH_OUT_DIR } from "./lib/paths";
import { zipDirectory } from "./lib/zip";

const BUDGETS = {
  synthSeconds: 6,
  zipKb: 200,
  coldImportMs: 150,
  readySeconds: 3,
  fanoutP50Ms: 15,
  fanoutP99Ms: 50,
  pipelineP99Ms: 100,
  rssMbAt1000: 300,
};
const FANOUT_LISTENERS = 100;
// Enough rounds that p99 is the 99th percentile of many rounds, not the one slowest round.
const FANOUT_ROUNDS = Number(process.env.BENCH_FANOUT_ROUNDS ?? 100);
// Rounds before timing, so that the JIT has compiled the request path on both sides (the first ~30 are slower).
const FANOUT_WARMUP_ROUNDS = 40;
const PIPELINE_LISTENERS = 10;
const PIPELINE_CHUNKS = Number(process.env.BENCH_PIPELINE_CHUNKS ?? 200);
const PIPELINE_WARMUP_CHUNKS = 10;
const VOICE_FANOUT_LISTENERS = 100;
const VOICE_FANOUT_INTERVAL_MS = 60;
const VOICE_FANOUT_CHUNK_BYTES = 1600;
const VOICE_FANOUT_CHUNKS = Number(process.env.BENCH_VOICE_FANOUT_CHUNKS ?? 200);
// Enough chunks at the cadence for the functions' request paths to be compiled and their environments started.
const VOICE_FANOUT_WARMUP_CHUNKS = 60;
// The chat room at the rate the budget names: 16 messages a second, from 4 senders at 4 a second each, under the
// per-connection rate limit of 5 a second.
const CHAT_FANOUT_MEMBERS = 100;
const CHAT_FANOUT_SENDERS = 4;
const CHAT_FANOUT_INTERVAL_MS = 1000 / 16;
const CHAT_FANOUT_MESSAGES = Number(process.env.BENCH_CHAT_FANOUT_MESSAGES ?? 200);
const CHAT_FANOUT_WARMUP_MESSAGES = 60;
// Voice and chat fan-out at a player's cadence share one budget.
const CADENCE_FANOUT_BUDGET = { p50Ms: 60, p99Ms: 150 };
const COLD_IMPORT_RUNS = 5;
const IDLE_CONNECTIONS = 1000;
const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};
const round = (value: number, digits = 1) => Number(value.toFixed(digits));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function measureSynth(): number {
  const started = performance.now();
  const result = spawnSync("npm", ["run", "synth"], { cwd: PROJECT_ROOT, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`Synth failed: ${result.stderr}`);
  return (performance.now() - started) / 1000;
}

/** Milliseconds one `await import(specifier)` takes in a fresh Node process with `env`. */
function importMsInFreshProcess(specifier: string, env: NodeJS.ProcessEnv = process.env): number {
  const script = `const t=performance.now();await import(${JSON.stringify(specifier)});console.log(performance.now()-t)`;
  const result = spawnSync(process.execPath, ["--no-warnings", "--input-type=module", "-e", script], { cwd: PROJECT_ROOT, env, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`Importing ${specifier} failed: ${result.stderr}`);
  return Number(result.stdout.trim());
}

/** What synth would cost if it loaded the provider package's root instead of its submodules. */
function measureProviderRootImport(): number {
  return importMsInFreshProcess("@cdktf/provider-aws") / 1000;
}

async function measureZips(): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {};
  for (const name of functionNames()) sizes[name] = round((await zipDirectory(join(FUNCTIONS_DIST_DIR, name))).length / 1024);
  return sizes;
}

/**
 * Imports the bundle of every function of every synthesized stack in a fresh Node process with its synthesized
 * environment, COLD_IMPORT_RUNS times, keeping the median. The runs go round the bundles in turn, so that a passing
 * load on the machine is spread over all of them.
 */
function measureColdImports(): Record<string, number> {
  const runs = [...coldImportTargets(readSynthesizedStacks(SYNTH_OUT_DIR))].map(([bundle, fn]) => {
    const env = functionEnvironment(fn, "us-east-1", {
      AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:1",
      AWS_ENDPOINT_URL_S3: "http://127.0.0.1:1",
      AWS_ENDPOINT_URL_EVENTBRIDGE: "http://127.0.0.1:1",
      AWS_ENDPOINT_URL_SECRETS_MANAGER: "http://127.0.0.1:1",
    });
    return { bundle, fn, env: { ...env, PATH: process.env.PATH }, times: [] as number[] };
  });
  for (let run = 0; run < COLD_IMPORT_RUNS; run++) {
    for (const { fn, env, times } of runs) times.push(importMsInFreshProcess(`file://${fn.bundleDir}/index.mjs`, env));
  }
  return Object.fromEntries(runs.map(({ bundle, times }) => [bundle, round(percentile(times, 50))]));
}

// Extra Node flags for the runtime process, to profile it: BENCH_RUNTIME_FLAGS="--cpu-prof --cpu-prof-dir=DIR".
const RUNTIME_EXTRA_FLAGS = process.env.BENCH_RUNTIME_FLAGS?.split(" ").filter(Boolean) ?? [];

async function startRuntimeProcess(stackId: string): Promise<{ child: ChildProcess; readySeconds: number; endpoints: Endpoints }> {
  const started = performance.now();
  const child = spawn(process.execPath, [...RUNTIME_NODE_FLAGS, ...RUNTIME_EXTRA_FLAGS, RUNTIME_ENTRY, "--stacks", stackId], {
    cwd: PROJECT_ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`Runtime exited with ${code} before it was ready`)));
    lines.on("line", (line) => {
      if (line.includes("Ready in")) resolve();
    });
  });
  const readySeconds = (performance.now() - started) / 1000;
  lines.removeAllListeners("line");
  child.stdout!.resume();
  const endpoints = JSON.parse(readFileSync(join(PROJECT_ROOT, ".local", "endpoints.json"), "utf8")) as Endpoints;
  return { child, readySeconds, endpoints };
}

/** CPU time a process has used, all its threads (the functions' worker threads included), in milliseconds. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  // utime and stime, fields 14 and 15 of the whole line, in clock ticks of 10 ms.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function residentMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return round(Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024);
}

/** An id token of `username` from one user pool of one stack. */
async function token(endpoints: Endpoints, stackId: string, pool: string, username: string): Promise<string> {
  const response = await fetch(`${endpoints.services.auth}/token`, {
    method: "POST",
    body: JSON.stringify({ userPoolId: endpoints.stacks[stackId].userPools[pool].id, username }),
  });
  return ((await response.json()) as { idToken: string }).idToken;
}

function openSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once("open", () => resolve(socket));
    socket.once("unexpected-response", (_, response) => reject(new Error(`Handshake refused with ${response.statusCode}`)));
    socket.once("error", reject);
  });
}

/** `count` sockets to one URL with the same headers, opened `concurrency` at a time. */
async function openSockets(url: string, headers: Record<string, string>, count: number, concurrency = 25): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let index = 0; index < count; index += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, count - index) }, () => openSocket(url, headers));
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
}

async function openPlayers(endpoints: Endpoints, count: number, channel: string, concurrency = 25): Promise<WebSocket[]> {
  const stack = endpoints.stacks["game-voice"];
  const idToken = await token(endpoints, "game-voice", "players", `bench-${channel}`);
  return openSockets(`${stack.websocket!.url}?channel=${channel}`, { "x-api-key": stack.websocket!.apiKey!, Authorization: `Bearer ${idToken}` }, count, concurrency);
}

/** Chat connections that start in `roomId`, all of one user. */
async function openChatMembers(endpoints: Endpoints, count: number, roomId: string): Promise<WebSocket[]> {
  const idToken = await token(endpoints, "chat", "users", `bench-${roomId}`);
  return openSockets(`${endpoints.stacks.chat.websocket!.url}?roomId=${roomId}`, { Authorization: `Bearer ${idToken}` }, count);
}

/** Latency from `send` to each listener's receipt of its round, for every round after the untimed warm-up rounds. */
async function collectRounds(listeners: WebSocket[], rounds: number, send: (round: number) => Promise<void>, warmupRounds = 0): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < warmupRounds + rounds; index++) {
    const started = performance.now();
    const received = listeners.map(
      (socket) =>
        new Promise<number>((resolve) => {
          const onMessage = (data: WebSocket.RawData) => {
            if (String(data).includes(`"round-${index}"`) || String(data).includes(`round-${index}:`)) {
              socket.off("message", onMessage);
              resolve(performance.now() - started);
            }
          };
          socket.on("message", onMessage);
        }),
    );
    await send(index);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Round ${index}: not every one of ${listeners.length} listeners got the message within 10 s`)), 10_000);
    });
    const latencies = await Promise.race([Promise.all(received), timeout]).finally(() => clearTimeout(timer));
    if (index >= warmupRounds) samples.push(...latencies);
    await sleep(20);
  }
  return samples;
}

/** The same broadcast from a plain `ws` server in this process, warmed up as the runtime was. */
async function plainBroadcastBaseline(listenerCount: number, rounds: number, warmupRounds: number, payloadFor: (round: number) => string): Promise<number[]> {
  const server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise((resolve) => server.once("listening", resolve));
  const url = `ws://127.0.0.1:${(server.address() as { port: number }).port}`;
  const listeners = await Promise.all(Array.from({ length: listenerCount }, () => openSocket(url)));
  const send = async (index: number) => {
    const payload = payloadFor(index);
    for (const client of server.clients) client.send(payload);
  };
  const samples = await collectRounds(listeners, rounds, send, warmupRounds);
  for (const socket of listeners) socket.close();
  server.close();
  return samples;
}

interface CadenceResult {
  samples: number[];
  delivered: number;
  expected: number;
}

/** A chunk of 16-bit PCM whose first four bytes carry its index, so that a listener can tell which chunk it got. */
function numberedChunk(index: number): Buffer {
  const audio = Buffer.alloc(VOICE_FANOUT_CHUNK_BYTES, index % 251);
  audio.writeUInt32LE(index, 0);
  return audio;
}

/** Which numbered message a listener got, or undefined for any other message. */
type MessageIndexOf = (data: WebSocket.RawData) => number | undefined;

/** The chunk index a listener got, from the `audio` broadcast's base64 data, or undefined for any other message. */
function chunkIndexOf(data: WebSocket.RawData): number | undefined {
  try {
    const message = JSON.parse(String(data)) as { action?: string; data?: { audio?: string } };
    if (message.action !== "audio" || typeof message.data?.audio !== "string") return undefined;
    return Buffer.from(message.data.audio, "base64").readUInt32LE(0);
  } catch {
    return undefined;
  }
}

/**
 * Sends chunk after chunk every `intervalMs` without waiting for deliveries, as a talking player does, and times each
 * listener's receipt of each timed chunk. Warm-up chunks go first at the same cadence, are not counted, and are all
 * delivered before the timed chunks start.
 */
async function cadenceRounds(listeners: WebSocket[], send: (index: number) => void, chunks: number, warmupChunks: number, intervalMs: number, indexOf: MessageIndexOf): Promise<CadenceResult> {
  const total = warmupChunks + chunks;
  const sentAt: number[] = [];
  const samples: number[] = [];
  let delivered = 0;
  let warmupDelivered = 0;
  let allDelivered: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allDelivered = resolve));
  let allWarmupDelivered: () => void = () => undefined;
  const warmedUp = new Promise<void>((resolve) => (allWarmupDelivered = resolve));
  if (warmupChunks === 0) allWarmupDelivered();
  const handlers = listeners.map((socket) => {
    const seen = new Set<number>();
    const onMessage = (data: WebSocket.RawData) => {
      const index = indexOf(data);
      if (index === undefined || index >= total || seen.has(index) || sentAt[index] === undefined) return;
      seen.add(index);
      if (index < warmupChunks) {
        warmupDelivered += 1;
        if (warmupDelivered === warmupChunks * listeners.length) allWarmupDelivered();
      } else {
        samples.push(performance.now() - sentAt[index]);
        delivered += 1;
      }
      if (delivered + warmupDelivered === total * listeners.length) allDelivered();
    };
    socket.on("message", onMessage);
    return onMessage;
  });
  const sendAtCadence = async (from: number, to: number) => {
    const started = performance.now();
    for (let index = from; index < to; index++) {
      // Keep the cadence against the clock, so that a late tick does not stretch every later interval.
      const wait = started + (index - from) * intervalMs - performance.now();
      if (wait > 0) await sleep(wait);
      sentAt[index] = performance.now();
      send(index);
    }
  };
  // Waits until `reached`, or until deliveries have stopped coming for 5 s.
  const drain = async (reached: Promise<void>) => {
    let complete = false;
    void reached.then(() => (complete = true));
    for (let last = -1; !complete && delivered + warmupDelivered !== last; ) {
      last = delivered + warmupDelivered;
      await Promise.race([reached, sleep(5_000)]);
    }
  };
  await sendAtCadence(0, warmupChunks);
  // The backlog of the warm-up (environments starting, code not compiled yet) drains before the timed chunks, so that
  // they time a warm pipeline and not the tail of a cold one.
  await drain(warmedUp);
  await sendAtCadence(warmupChunks, total);
  // A backlog drains after the last send: wait while deliveries still come, so that "delivered" counts late ones too.
  await drain(done);
  listeners.forEach((socket, position) => socket.off("message", handlers[position]));
  return { samples, delivered, expected: chunks * listeners.length };
}

/**
 * One sender's or several senders' numbered messages at a cadence, each broadcast to every listener: what the bench
 * sends through the runtime, and what a plain `ws` server sends in its place.
 */
interface CadenceScenario {
  /** How the scenario is named in the output. */
  name: string;
  listeners: number;
  messages: number;
  warmupMessages: number;
  intervalMs: number;
  /** The broadcast the listeners get for message `index`, as the function posts it. */
  broadcastOf: (index: number) => string;
  indexOf: MessageIndexOf;
}

/** The same messages at the same cadence from a plain `ws` server in this process. */
async function plainCadenceBaseline(scenario: CadenceScenario): Promise<CadenceResult> {
  const server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise((resolve) => server.once("listening", resolve));
  const url = `ws://127.0.0.1:${(server.address() as { port: number }).port}`;
  const listeners = await Promise.all(Array.from({ length: scenario.listeners }, () => openSocket(url)));
  const send = (index: number) => {
    const payload = scenario.broadcastOf(index);
    for (const client of server.clients) client.send(payload);
  };
  const result = await cadenceRounds(listeners, send, scenario.messages, scenario.warmupMessages, scenario.intervalMs, scenario.indexOf);
  for (const socket of listeners) socket.close();
  server.close();
  return result;
}

interface CadenceMeasure {
  runtime: CadenceResult;
  plain: CadenceResult;
  /** What one message costs the runtime and its functions, whatever else the machine runs meanwhile. */
  cpuMsPerMessage: number;
}

/**
 * A scenario through the runtime, with the plain `ws` broadcast of the same first: the runtime's sockets are opened
 * afterwards and closed at the end, so that their `$disconnect` work overlaps neither measure.
 */
async function measureCadence(scenario: CadenceScenario, runtimePid: number, open: () => Promise<{ send: (index: number) => void; sockets: WebSocket[]; listeners: WebSocket[] }>): Promise<CadenceMeasure> {
  const plain = await plainCadenceBaseline(scenario);
  const { send, sockets, listeners } = await open();
  const cpuBefore = cpuMs(runtimePid);
  const runtime = await cadenceRounds(listeners, send, scenario.messages, scenario.warmupMessages, scenario.intervalMs, scenario.indexOf);
  const cpuMsPerMessage = round((cpuMs(runtimePid) - cpuBefore) / (scenario.messages + scenario.warmupMessages));
  for (const socket of sockets) socket.close();
  return { runtime, plain, cpuMsPerMessage };
}

async function connectionIds(endpoints: Endpoints, channel: string): Promise<string[]> {
  const dynamodb = new DynamoDBClient({ endpoint: endpoints.services.dynamodb, region: "us-east-1", credentials });
  const ids: string[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: endpoints.stacks["game-voice"].tables.connections, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) if (item.channel?.S === channel) ids.push(item.connectionId!.S!);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  dynamodb.destroy();
  return ids;
}

const voiceFanoutScenario: CadenceScenario = {
  name: `voice fan-out every ${VOICE_FANOUT_INTERVAL_MS} ms 1 -> ${VOICE_FANOUT_LISTENERS}`,
  listeners: VOICE_FANOUT_LISTENERS,
  messages: VOICE_FANOUT_CHUNKS,
  warmupMessages: VOICE_FANOUT_WARMUP_CHUNKS,
  intervalMs: VOICE_FANOUT_INTERVAL_MS,
  broadcastOf: (index) => JSON.stringify({ action: "audio", data: { audio: numberedChunk(index).toString("base64"), author: "bench", timestamp: new Date().toISOString(), status: "VALIDATED" } }),
  indexOf: chunkIndexOf,
};

/** The voice pipeline's fan-out at a talker's cadence, through the functions' own posts, and a plain `ws` broadcast of the same. */
async function measureVoiceFanout(endpoints: Endpoints, runtimePid: number): Promise<CadenceMeasure> {
  console.log(`Voice fan-out: 1 sender every ${VOICE_FANOUT_INTERVAL_MS} ms, ${VOICE_FANOUT_CHUNK_BYTES}-byte chunks, to ${VOICE_FANOUT_LISTENERS} listeners through the pipeline, ${VOICE_FANOUT_CHUNKS} chunks ...`);
  return measureCadence(voiceFanoutScenario, runtimePid, async () => {
    const sockets = await openPlayers(endpoints, VOICE_FANOUT_LISTENERS + 1, "bench-voice-fanout");
    const [talker, ...listeners] = sockets;
    const send = (index: number) => talker.send(JSON.stringify({ action: "sendaudio", data: numberedChunk(index).toString("base64") }));
    return { send, sockets, listeners };
  });
}

const CHAT_FANOUT_ROOM = "bench-chat-fanout";
const chatText = (index: number) => `chat fan-out ${index}`;

/** The message index of a chat broadcast of the bench, or undefined for any other message. */
function chatIndexOf(data: WebSocket.RawData): number | undefined {
  try {
    const message = JSON.parse(String(data)) as { type?: string; message?: string };
    const match = message.type === "chat" && typeof message.message === "string" ? /^chat fan-out (\d+)$/.exec(message.message) : null;
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

const chatFanoutScenario: CadenceScenario = {
  name: `chat room fan-out ${round(1000 / CHAT_FANOUT_INTERVAL_MS)} msg/s ${CHAT_FANOUT_SENDERS} -> ${CHAT_FANOUT_MEMBERS}`,
  listeners: CHAT_FANOUT_MEMBERS,
  messages: CHAT_FANOUT_MESSAGES,
  warmupMessages: CHAT_FANOUT_WARMUP_MESSAGES,
  intervalMs: CHAT_FANOUT_INTERVAL_MS,
  broadcastOf: (index) =>
    JSON.stringify({ type: "chat", roomId: CHAT_FANOUT_ROOM, messageId: randomUUID(), userId: "bench", username: "bench", message: chatText(index), timestamp: new Date().toISOString() }),
  indexOf: chatIndexOf,
};

/** A chat room's fan-out through chat-message's own posts, senders included, and a plain `ws` broadcast of the same. */
async function measureChatFanout(endpoints: Endpoints, runtimePid: number): Promise<CadenceMeasure> {
  console.log(`Chat fan-out: ${CHAT_FANOUT_SENDERS} senders taking turns, ${round(1000 / CHAT_FANOUT_INTERVAL_MS)} messages a second, to a room of ${CHAT_FANOUT_MEMBERS} members, ${CHAT_FANOUT_MESSAGES} messages ...`);
  return measureCadence(chatFanoutScenario, runtimePid, async () => {
    const members = await openChatMembers(endpoints, CHAT_FANOUT_MEMBERS, CHAT_FANOUT_ROOM);
    const send = (index: number) => members[index % CHAT_FANOUT_SENDERS].send(JSON.stringify({ type: "chat", message: chatText(index) }));
    return { send, sockets: members, listeners: members };
  });
}

const CADENCE_SCENARIOS: Record<string, { stackId: string; measure: (endpoints: Endpoints, runtimePid: number) => Promise<CadenceMeasure> }> = {
  "voice-fanout": { stackId: "game-voice", measure: measureVoiceFanout },
  "chat-fanout": { stackId: "chat", measure: measureChatFanout },
};

/** Starts a runtime of one stack, waits for its background warm-up, runs `work` against it and stops it. */
async function withRuntime<T>(stackId: string, work: (endpoints: Endpoints, runtimePid: number, readySeconds: number) => Promise<T>): Promise<T> {
  const { child, readySeconds, endpoints } = await startRuntimeProcess(stackId);
  try {
    await sleep(2000); // let the background warm-up finish before timing warm paths
    return await work(endpoints, child.pid!, readySeconds);
  } finally {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGINT");
    await exited;
  }
}

const describeCadence = (result: CadenceResult) =>
  `${round(percentile(result.samples, 50))} / ${round(percentile(result.samples, 99))} ms (${result.delivered} / ${result.expected} delivered)`;
const describeMeasure = (measure: CadenceMeasure) => `${describeCadence(measure.runtime)}, runtime CPU ${measure.cpuMsPerMessage} ms a message; plain ws: ${describeCadence(measure.plain)}`;

/** `BENCH_ONLY=voice-fanout` or `chat-fanout npm run bench`: that scenario alone, against the functions and synth output already built. */
async function cadenceScenarioOnly(name: string): Promise<void> {
  const scenario = CADENCE_SCENARIOS[name];
  const measure = await withRuntime(scenario.stackId, (endpoints, runtimePid) => scenario.measure(endpoints, runtimePid));
  console.log(`${name} p50 / p99: ${describeMeasure(measure)}`);
}

/** A cadence measure as results JSON: p50, p99 and deliveries, the plain baseline's beside. */
function cadenceResults(scenario: CadenceScenario, measure: CadenceMeasure) {
  return {
    listeners: scenario.listeners,
    intervalMs: round(scenario.intervalMs, 2),
    messages: scenario.messages,
    warmupMessages: scenario.warmupMessages,
    p50Ms: round(percentile(measure.runtime.samples, 50)),
    p99Ms: round(percentile(measure.runtime.samples, 99)),
    delivered: measure.runtime.delivered,
    expected: measure.runtime.expected,
    plainP50Ms: round(percentile(measure.plain.samples, 50)),
    plainP99Ms: round(percentile(measure.plain.samples, 99)),
    plainDelivered: measure.plain.delivered,
    runtimeCpuMsPerMessage: measure.cpuMsPerMessage,
  };
}

/** The table rows of a cadence measure against the shared budget. */
function cadenceRows(scenario: CadenceScenario, results: ReturnType<typeof cadenceResults>): [string, string, string][] {
  return [
    [
      `${scenario.name} p50 / p99 (delivered)`,
      `${results.p50Ms} / ${results.p99Ms} ms (${results.delivered} / ${results.expected}), CPU ${results.runtimeCpuMsPerMessage} ms a message`,
      `< ${CADENCE_FANOUT_BUDGET.p50Ms} / ${CADENCE_FANOUT_BUDGET.p99Ms} ms, all`,
    ],
    [`  plain ws broadcast p50 / p99 (delivered)`, `${results.plainP50Ms} / ${results.plainP99Ms} ms (${results.plainDelivered} / ${results.expected})`, ""],
  ];
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY;
  if (only !== undefined) {
    if (!(only in CADENCE_SCENARIOS)) throw new Error(`BENCH_ONLY=${only} is not one of ${Object.keys(CADENCE_SCENARIOS).join(", ")}`);
    return cadenceScenarioOnly(only);
  }
  console.log("Measuring synth, zips and cold imports ...");
  const synthSeconds = round(measureSynth(), 2);
  const providerRootImportSeconds = round(measureProviderRootImport(), 2);
  const zipKb = await measureZips();
  const coldImportMs = measureColdImports();

  console.log("Starting the runtime ...");
  const voice = await withRuntime("game-voice", async (endpoints, runtimePid, readySeconds) => {
    const stack = endpoints.stacks["game-voice"];

    console.log(`Fan-out: 1 broadcaster to ${FANOUT_LISTENERS} listeners, ${FANOUT_ROUNDS} rounds ...`);
    const fanoutListeners = await openPlayers(endpoints, FANOUT_LISTENERS, "bench-fanout");
    const ids = await connectionIds(endpoints, "bench-fanout");
    const management = new ApiGatewayManagementApiClient({ endpoint: stack.websocket!.url.replace(/^ws:/, "http:"), region: "us-east-1", credentials });
    const audio = Buffer.alloc(3200, 3).toString("base64");
    const fanoutPayload = (index: number) => ({ action: "audio", data: { audio, author: "bench", timestamp: `round-${index}`, status: "VALIDATED" } });
    // The budget is the runtime's: the same @connections POSTs the SDK makes, from a lean keep-alive client.
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    const managementUrl = new URL(stack.websocket!.url.replace(/^ws:/, "http:"));
    const post = (connectionId: string, body: string) =>
      new Promise<void>((resolve, reject) => {
        const call = request(
          { host: managementUrl.hostname, port: managementUrl.port, path: `${managementUrl.pathname}/@connections/${encodeURIComponent(connectionId)}`, method: "POST", agent },
          (response) => {
            response.resume();
            response.on("end", () => resolve());
          },
        );
        call.on("error", reject);
        call.end(body);
      });
    const postRound = async (index: number) => {
      const body = JSON.stringify(fanoutPayload(index));
      await Promise.all(ids.map((id) => post(id, body)));
    };
    const fanout = await collectRounds(fanoutListeners, FANOUT_ROUNDS, postRound, FANOUT_WARMUP_ROUNDS);
    // For reference: the same broadcast made the way validate-audio makes it, through the AWS SDK client.
    const sdkRound = (index: number) => broadcast({ post: sdkPost(management), recipients: ids, payload: fanoutPayload(index), onGone: async () => undefined }).then(() => undefined);
    const fanoutSdk = await collectRounds(fanoutListeners, 20, sdkRound, 10);
    agent.destroy();
    const fanoutPlain = await plainBroadcastBaseline(FANOUT_LISTENERS, FANOUT_ROUNDS, FANOUT_WARMUP_ROUNDS, (index) => JSON.stringify(fanoutPayload(index)));
    for (const socket of fanoutListeners) socket.close();

    console.log(`Voice pipeline: 1 sender to ${PIPELINE_LISTENERS} listeners through both rules and S3, ${PIPELINE_CHUNKS} chunks ...`);
    const [sender, ...pipelineListeners] = await openPlayers(endpoints, PIPELINE_LISTENERS + 1, "bench-pipeline");
    const chunk = (index: number) => JSON.stringify({ action: "sendaudio", data: Buffer.alloc(3200, index % 200).toString("base64") });
    // The broadcast carries the chunk's timestamp, not a marker; listeners match rounds by arrival order instead.
    const pipelineRounds = async (rounds: number) => {
      const samples: number[] = [];
      for (let index = 0; index < rounds; index++) {
        const started = performance.now();
        const received = pipelineListeners.map((socket) => new Promise<number>((resolve) => socket.once("message", () => resolve(performance.now() - started))));
        sender.send(chunk(index));
        samples.push(...(await Promise.all(received)));
        await sleep(20);
      }
      return samples;
    };
    await pipelineRounds(PIPELINE_WARMUP_CHUNKS);
    const pipeline = await pipelineRounds(PIPELINE_CHUNKS);
    const pipelinePlain = await plainBroadcastBaseline(PIPELINE_LISTENERS, PIPELINE_CHUNKS, PIPELINE_WARMUP_CHUNKS, (index) => JSON.stringify({ ...fanoutPayload(index) }));
    sender.close();
    for (const socket of pipelineListeners) socket.close();
    await sleep(500);

    const voiceFanout = await measureVoiceFanout(endpoints, runtimePid);
    await sleep(500);

    console.log(`Memory: ${IDLE_CONNECTIONS} open connections ...`);
    const rssBefore = residentMb(runtimePid);
    const idle = await openPlayers(endpoints, IDLE_CONNECTIONS, "bench-idle", 50);
    const rssPeak = residentMb(runtimePid);
    // Environments started for the burst of handshakes are reclaimed after 10 s idle (checked every 5 s), as
    // Lambda reclaims idle ones.
    await sleep(16_000);
    const rssAt1000 = residentMb(runtimePid);
    for (const socket of idle) socket.terminate();
    return { readySeconds, fanout, fanoutPlain, fanoutSdk, pipeline, pipelinePlain, voiceFanout, memory: { connections: IDLE_CONNECTIONS, rssBeforeMb: rssBefore, rssPeakMb: rssPeak, rssMb: rssAt1000 } };
  });
  console.log("Starting a runtime of the chat stack ...");
  const chatFanout = await withRuntime("chat", measureChatFanout);

  const { fanout, fanoutPlain, fanoutSdk, pipeline, pipelinePlain, voiceFanout } = voice;
  const results = {
    machine: { cpus: (await import("node:os")).cpus().length, node: process.version },
    synthSeconds,
    providerRootImportSeconds,
    zipKb,
    coldImportMs,
    coldImportRuns: COLD_IMPORT_RUNS,
    readySeconds: round(voice.readySeconds, 2),
    fanout: {
      listeners: FANOUT_LISTENERS,
      rounds: FANOUT_ROUNDS,
      warmupRounds: FANOUT_WARMUP_ROUNDS,
      p50Ms: round(percentile(fanout, 50)),
      p99Ms: round(percentile(fanout, 99)),
      plainP50Ms: round(percentile(fanoutPlain, 50)),
      plainP99Ms: round(percentile(fanoutPlain, 99)),
      sdkP50Ms: round(percentile(fanoutSdk, 50)),
      sdkP99Ms: round(percentile(fanoutSdk, 99)),
    },
    pipeline: { listeners: PIPELINE_LISTENERS, chunks: PIPELINE_CHUNKS, warmupChunks: PIPELINE_WARMUP_CHUNKS, p50Ms: round(percentile(pipeline, 50)), p99Ms: round(percentile(pipeline, 99)), plainP50Ms: round(percentile(pipelinePlain, 50)), plainP99Ms: round(percentile(pipelinePlain, 99)) },
    voiceFanout: { ...cadenceResults(voiceFanoutScenario, voiceFanout), chunkBytes: VOICE_FANOUT_CHUNK_BYTES },
    chatFanout: { ...cadenceResults(chatFanoutScenario, chatFanout), senders: CHAT_FANOUT_SENDERS },
    memory: voice.memory,
    budgets: { ...BUDGETS, cadenceFanoutP50Ms: CADENCE_FANOUT_BUDGET.p50Ms, cadenceFanoutP99Ms: CADENCE_FANOUT_BUDGET.p99Ms },
  };
  const rows: [string, string, string][] = [
    ["synth, all stacks", `${results.synthSeconds} s`, `< ${BUDGETS.synthSeconds} s`],
    ["  loading the provider package root alone", `${providerRootImportSeconds} s`, `> synth`],
    ...Object.entries(zipKb).map(([name, kb]): [string, string, string] => [`zip ${name}`, `${kb} KB`, `< ${BUDGETS.zipKb} KB`]),
    ...Object.entries(coldImportMs).map(([name, ms]): [string, string, string] => [`cold import ${name}`, `${ms} ms`, `< ${BUDGETS.coldImportMs} ms`]),
    ["runtime ready (process start to ready)", `${results.readySeconds} s`, `< ${BUDGETS.readySeconds} s`],
    [`fan-out 1 -> ${FANOUT_LISTENERS} p50 / p99`, `${results.fanout.p50Ms} / ${results.fanout.p99Ms} ms`, `< ${BUDGETS.fanoutP50Ms} / ${BUDGETS.fanoutP99Ms} ms`],
    [`  plain ws broadcast p50 / p99 (ratio)`, `${results.fanout.plainP50Ms} / ${results.fanout.plainP99Ms} ms (x${round(results.fanout.p50Ms / results.fanout.plainP50Ms)} / x${round(results.fanout.p99Ms / results.fanout.plainP99Ms)})`, ""],
    [`  posted through the AWS SDK client p50 / p99`, `${results.fanout.sdkP50Ms} / ${results.fanout.sdkP99Ms} ms`, ""],
    [`voice pipeline 1 -> ${PIPELINE_LISTENERS} p50 / p99`, `${results.pipeline.p50Ms} / ${results.pipeline.p99Ms} ms`, `p99 < ${BUDGETS.pipelineP99Ms} ms`],
    [`  plain ws broadcast p50 / p99 (ratio)`, `${results.pipeline.plainP50Ms} / ${results.pipeline.plainP99Ms} ms (x${round(results.pipeline.p50Ms / results.pipeline.plainP50Ms)} / x${round(results.pipeline.p99Ms / results.pipeline.plainP99Ms)})`, ""],
    ...cadenceRows(voiceFanoutScenario, results.voiceFanout),
    ...cadenceRows(chatFanoutScenario, results.chatFanout),
    [`resident memory, ${IDLE_CONNECTIONS} connections`, `${results.memory.rssMb} MB (before ${results.memory.rssBeforeMb}, peak ${results.memory.rssPeakMb} MB)`, `< ${BUDGETS.rssMbAt1000} MB`],
  ];
  const width = Math.max(...rows.map((row) => row[0].length));
  const valueWidth = Math.max(...rows.map((row) => row[1].length));
  console.log(`\n${"measure".padEnd(width)}  ${"result".padEnd(valueWidth)}  budget`);
  for (const [what, value, budget] of rows) console.log(`${what.padEnd(width)}  ${value.padEnd(valueWidth)}  ${budget}`);
  mkdirSync(join(PROJECT_ROOT, ".local"), { recursive: true });
  writeFileSync(join(PROJECT_ROOT, ".local", "bench-results.json"), `${JSON.stringify(results, null, 2)}\n`);
  console.log("\nWritten to .local/bench-results.json");
}

await main();
process.exit(0);
