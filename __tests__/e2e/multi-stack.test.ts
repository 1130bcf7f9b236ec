import { join } from "node:path";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, type LocalRuntime } from "../../local/runtime";
import { composeStacks } from "../../stacks/app";
import { GameVoiceStack } from "../../stacks/game-voice-stack";
import { connect, pcm, player, prepareProject, tokenFor, voiceOf, type Player } from "./support";

// Every stack main.ts composes, and a twin of game-voice that declares the very same constructs (same addresses)
// under another stack id and name prefix: what collides by address would collide here.
const TWIN = "voice-twin";
let root: string;
let runtime: LocalRuntime;
const logs: string[] = [];

beforeAll(async () => {
  root = prepareProject((app) => [...composeStacks(app, "us-east-1"), new GameVoiceStack(app, TWIN, { region: "us-east-1", namePrefix: TWIN })]);
  runtime = await startRuntime({ outDir: join(root, "cdktf.out"), log: (line) => logs.push(line), prewarm: "wait" });
});

afterAll(async () => {
  await runtime?.close();
  rmSync(root, { recursive: true, force: true });
});

const stackIds = () => Object.keys(runtime.endpoints.stacks);

describe("every stack in one local runtime", () => {
  it("does give each stack its own API, key, pool and tables when all stacks of main.ts run beside a twin", () => {
    // prepare
    const stacks = Object.values(runtime.endpoints.stacks);
    const distinct = (values: unknown[]) => new Set(values).size === values.length;
    // assess
    expect(stackIds().sort()).toEqual(["chat", "game-voice", "poker-signaling", TWIN].sort());
    expect(distinct(stacks.map((stack) => stack.websocket?.url))).toBe(true);
    expect(distinct(stacks.flatMap((stack) => stack.websocket?.apiKey ?? []))).toBe(true);
    expect(distinct(stacks.flatMap((stack) => Object.values(stack.userPools).map((pool) => pool.id)))).toBe(true);
    expect(distinct(stacks.flatMap((stack) => Object.values(stack.userPools).map((pool) => pool.clientId)))).toBe(true);
    expect(distinct(stacks.flatMap((stack) => Object.values(stack.tables)))).toBe(true);
    expect(distinct(runtime.webSocketApis.map((api) => api.model.id))).toBe(true);
  });

  it("does give every function its own access key, issued to its own stack's role", () => {
    // prepare
    const keys = [...runtime.functions.values()].map((fn) => (fn as unknown as { options: { environment: Record<string, string> } }).options.environment.AWS_ACCESS_KEY_ID);
    // assess
    expect(new Set(keys).size).toBe(keys.length);
    for (const model of runtime.models) {
      for (const fn of model.functions) {
        const key = (runtime.functions.get(fn.name) as unknown as { options: { environment: Record<string, string> } }).options.environment.AWS_ACCESS_KEY_ID;
        expect(runtime.callers.callerOf(key)).toEqual({ stackId: model.id, roleArn: fn.roleArn });
      }
    }
  });

  it("does refuse at one stack's handshake a token from the other stack's pool, and the other stack's API key", async () => {
    // prepare
    const voice = voiceOf(runtime, "game-voice", logs);
    const twin = voiceOf(runtime, TWIN, logs);
    const twinToken = await tokenFor(twin, "mallory");
    // act
    const foreignToken = await connect(voice, { channel: "lobby", token: twinToken }).catch((error: { status: number }) => error.status);
    const foreignKey = await connect(voice, { channel: "lobby", token: await tokenFor(voice, "mallory"), apiKey: twin.apiKey }).catch((error: { status: number }) => error.status);
    // assess
    expect(foreignToken).toBe(401);
    expect(foreignKey).toBe(403);
  });

  it("does deliver a stack's audio to its own listeners only", async () => {
    // prepare
    const voice = voiceOf(runtime, "game-voice", logs);
    const twin = voiceOf(runtime, TWIN, logs);
    const players: Player[] = await Promise.all([player(voice, "alice"), player(voice, "bob"), player(twin, "alice"), player(twin, "bob")]);
    const [voiceSender, voiceListener, twinSender, twinListener] = players;
    // act: the twin's chunk is the marker that must reach the twin's listener after anything from game-voice would have
    voiceSender.send({ action: "sendaudio", data: pcm(320, 1) });
    await voiceListener.next((message) => message.action === "audio");
    twinSender.send({ action: "sendaudio", data: pcm(320, 2) });
    await twinListener.next((message) => message.action === "audio");
    // assess
    expect(voiceListener.audio().map((message) => (message.data as { audio: string }).audio)).toEqual([pcm(320, 1)]);
    expect(twinListener.audio().map((message) => (message.data as { audio: string }).audio)).toEqual([pcm(320, 2)]);
    await Promise.all(players.map((one) => one.close()));
  });
});
