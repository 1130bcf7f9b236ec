import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import WebSocket from "ws";
import { afterAll, describe, expect, it, vi } from "vitest";
import { pcm, prepareVoiceProject, runCli, waitForOutput, type RunningCli } from "./support";

const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
const root = prepareVoiceProject();
const dataDir = mkdtempSync(join(tmpdir(), "crash-data-"));
const processes: RunningCli[] = [];

afterAll(async () => {
  for (const cli of processes) if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill("SIGKILL");
  await Promise.all(processes.map((cli) => cli.closed));
  rmSync(root, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

interface Endpoints {
  stacks: Record<string, { websocket: { url: string; apiKey: string }; userPools: { players: { id: string } }; buckets: { audio: string } }>;
  services: { auth: string; dynamodb: string; s3: string };
}

/** Chunk ids the message function logged as published: each one's PutEvents had returned, so EventBridge had accepted it. */
function publishedChunks(output: string): string[] {
  return output
    .split("\n")
    // The last piece may be a line the kill cut short.
    .slice(0, -1)
    .filter((line) => line.includes('"Audio published"'))
    .map((line) => (JSON.parse(line.slice(line.indexOf("{"))) as { chunkId: string }).chunkId);
}

async function connectPlayer(endpoints: Endpoints, username: string): Promise<WebSocket> {
  const voice = endpoints.stacks["game-voice"];
  const response = await fetch(`${endpoints.services.auth}/token`, { method: "POST", body: JSON.stringify({ userPoolId: voice.userPools.players.id, username }) });
  const { idToken } = (await response.json()) as { idToken: string };
  const socket = new WebSocket(`${voice.websocket.url}?channel=crash&token=${idToken}`, { headers: { "x-api-key": voice.websocket.apiKey } });
  // The runtime is killed under this socket; its reset is expected.
  socket.on("error", () => undefined);
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("unexpected-response", (_, res) => reject(new Error(`Handshake refused with ${res.statusCode}`)));
  });
  return socket;
}

function start(): RunningCli {
  const cli = runCli(root, ["--data", dataDir]);
  processes.push(cli);
  return cli;
}

describe("a --data runtime killed mid-traffic", () => {
  it("does store and validate every chunk the message function accepted when it is killed with SIGKILL and started again", async () => {
    // prepare
    const first = start();
    await waitForOutput(first, "Ready in");
    const endpoints = JSON.parse(readFileSync(join(root, ".local", "endpoints.json"), "utf8")) as Endpoints;
    const sender = await connectPlayer(endpoints, "crash-sender");
    await connectPlayer(endpoints, "crash-listener");
    const send = (count: number) => {
      for (let chunk = 0; chunk < count; chunk++) sender.send(JSON.stringify({ action: "sendaudio", data: pcm(320, (chunk % 250) + 1) }));
    };
    const broadcasts = () => first.output().split("\n").filter((line) => line.includes('"Audio broadcast"')).length;
    // A few chunks first, so that every stage of the pipeline is warm and busy when the kill comes.
    send(5);
    await vi.waitFor(() => expect(broadcasts()).toBeGreaterThanOrEqual(3), { timeout: 10_000, interval: 5 });
    // act: a burst larger than the pipeline drains at once, killed once half of it has been accepted
    send(50);
    await vi.waitFor(() => expect(publishedChunks(first.output()).length).toBeGreaterThanOrEqual(30), { timeout: 10_000, interval: 5 });
    first.child.kill("SIGKILL");
    await first.closed;
    const accepted = publishedChunks(first.output());
    const broadcastBeforeKill = broadcasts();
    const second = start();
    await waitForOutput(second, "Ready in");
    // assess: every accepted chunk ends with a finished claim (broadcast done) and a stored object
    const restarted = JSON.parse(readFileSync(join(root, ".local", "endpoints.json"), "utf8")) as Endpoints;
    const dynamodb = new DynamoDBClient({ endpoint: restarted.services.dynamodb, region: "us-east-1", credentials });
    const s3 = new S3Client({ endpoint: restarted.services.s3, region: "us-east-1", credentials, forcePathStyle: true });
    const finished = async () => {
      const scan = await dynamodb.send(new ScanCommand({ TableName: "game-voice-audio-chunks" }));
      return new Set((scan.Items ?? []).filter((item) => item.finishedAt?.N).map((item) => item.chunkId.S!));
    };
    await vi.waitFor(
      async () => {
        const done = await finished();
        expect(accepted.filter((chunk) => !done.has(chunk))).toEqual([]);
      },
      { timeout: 10_000, interval: 100 },
    );
    const bucket = restarted.stacks["game-voice"].buckets.audio;
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "audio/crash-sender/" }));
    const storedChunks = await Promise.all(
      (listed.Contents ?? []).map(async ({ Key }) => (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key }))).Metadata?.["chunk-id"]),
    );
    expect(accepted.filter((chunk) => !storedChunks.includes(chunk))).toEqual([]);
    // The kill came mid-traffic: some accepted chunks had not been broadcast yet, or this test would prove nothing.
    expect(broadcastBeforeKill).toBeLessThan(accepted.length);
  }, 30_000);
});
