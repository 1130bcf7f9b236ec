import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it, vi } from "vitest";
import { openDeliveryJournal } from "../../local/eventbridge/delivery-journal";
import { openInvocationJournal } from "../../local/functions/invocation-journal";
import { connect, pcm, prepareVoiceProject, startVoiceRuntime, tokenFor, type VoiceRuntime } from "./support";

const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
const root = prepareVoiceProject();
const dataDir = mkdtempSync(join(tmpdir(), "runtime-data-"));
const running: VoiceRuntime[] = [];

afterAll(async () => {
  await Promise.all(running.map((voice) => voice.close()));
  rmSync(root, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

function clients(voice: VoiceRuntime) {
  const services = voice.runtime.endpoints.services;
  return {
    dynamodb: new DynamoDBClient({ endpoint: services.dynamodb, region: "us-east-1", credentials }),
    s3: new S3Client({ endpoint: services.s3, region: "us-east-1", credentials, forcePathStyle: true, requestChecksumCalculation: "WHEN_REQUIRED" }),
  };
}

describe("local runtime state", () => {
  it("keeps table items and objects between runs when started with a data folder", async () => {
    const first = await startVoiceRuntime({}, dataDir, root);
    const before = clients(first);
    const expiresAt = String(Math.floor(Date.now() / 1000) + 3600);
    await before.dynamodb.send(new PutItemCommand({ TableName: "game-voice-audio-chunks", Item: { chunkId: { S: "kept" }, expiresAt: { N: expiresAt } } }));
    await before.s3.send(new PutObjectCommand({ Bucket: first.bucket, Key: "audio/kept/1.pcm", Body: Buffer.from([1, 2]) }));
    await first.close();

    const second = await startVoiceRuntime({}, dataDir, root);
    running.push(second);
    const after = clients(second);
    const item = await after.dynamodb.send(new GetItemCommand({ TableName: "game-voice-audio-chunks", Key: { chunkId: { S: "kept" } } }));
    const object = await after.s3.send(new GetObjectCommand({ Bucket: second.bucket, Key: "audio/kept/1.pcm" }));

    expect(item.Item?.expiresAt?.N).toBe(expiresAt);
    expect([...(await object.Body!.transformToByteArray())]).toEqual([1, 2]);
  }, 60_000);

  it("accepts a token minted in an earlier run when started with the same data folder", async () => {
    // A folder of its own: the first test's second runtime still holds the shared one.
    const keptDir = join(dataDir, "tokens");
    const first = await startVoiceRuntime({}, keptDir, root);
    const token = await tokenFor(first, "returning-player");
    await first.close();

    const second = await startVoiceRuntime({}, keptDir, root);
    running.push(second);
    const returning = await connect(second, { channel: "again", token });
    await returning.close();

    const fresh = await startVoiceRuntime({}, undefined, root);
    running.push(fresh);
    await expect(connect(fresh, { channel: "again", token })).rejects.toMatchObject({ status: 401 });
  }, 60_000);

  it("refuses to start, naming the folder and the process, when another runtime holds the data folder", async () => {
    const lockedDir = join(dataDir, "locked");
    const holder = await startVoiceRuntime({}, lockedDir, root);
    running.push(holder);

    const second = startVoiceRuntime({}, lockedDir, root);

    await expect(second).rejects.toThrow(`Data folder ${lockedDir} is in use by another local runtime (pid ${process.pid})`);
    await holder.close();
    running.splice(running.indexOf(holder), 1);
    const after = await startVoiceRuntime({}, lockedDir, root);
    running.push(after);
    expect(after.runtime.endpoints.stacks["game-voice"]).toBeDefined();
  }, 60_000);

  it("starts with empty tables when no data folder is given", async () => {
    const fresh = await startVoiceRuntime({}, undefined, root);
    running.push(fresh);

    const item = await clients(fresh).dynamodb.send(new GetItemCommand({ TableName: "game-voice-audio-chunks", Key: { chunkId: { S: "kept" } } }));

    expect(item.Item).toBeUndefined();
  }, 60_000);

  it("does say once at start-up that accepted events and queued invocations are held in memory only when no data folder is given", async () => {
    // prepare
    const fresh = await startVoiceRuntime({}, undefined, root);
    running.push(fresh);
    // act
    const notices = fresh.logs.filter((line) => line.includes("held in memory only"));
    // assess
    expect(notices).toEqual([
      "[runtime] Accepted events and queued invocations are held in memory only and do not survive a restart (keep them with a data folder, --data DIR)",
    ]);
  }, 60_000);

  it("does deliver a PENDING event an earlier run accepted and never delivered, storing its chunk, when started with the same data folder", async () => {
    // prepare: the earlier run journaled the delivery of a PENDING event to process-audio and died before it ran
    const resumeDir = join(dataDir, "resume");
    const first = await startVoiceRuntime({}, resumeDir, root);
    const processing = first.runtime.models[0].targets.find((target) => target.arn.endsWith("-process-audio"))!;
    await first.close();
    const detail = {
      status: "PENDING",
      chunk_id: "earlier-connection=:earlier-request",
      channel: "resumed",
      message: { action: "sendaudio", data: pcm(320), author: "earlier-player" },
      websocket_context: { domain_name: "earlier.execute-api.us-east-1.amazonaws.com", stage: "live", connection_id: "earlier-connection=" },
      timestamp: new Date().toISOString(),
    };
    const event = { version: "0" as const, id: "earlier-event", "detail-type": "SendAudioEvent", source: "voice-chat", account: "000000000000", time: detail.timestamp, region: "us-east-1", resources: [], detail };
    openDeliveryJournal(join(resumeDir, "journal", "game-voice", "events.jsonl")).accept("earlier-job", {
      event,
      busName: processing.busName,
      ruleName: processing.ruleName,
      targetId: processing.targetId,
      targetArn: processing.arn,
      acceptedAt: Date.now(),
    });
    // act
    const second = await startVoiceRuntime({}, resumeDir, root);
    running.push(second);
    // assess
    const { s3 } = clients(second);
    await vi.waitFor(
      async () => {
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: second.bucket, Prefix: "audio/earlier-player/" }));
        expect(listed.KeyCount).toBe(1);
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(second.logs).toContainEqual(`[runtime] Accepted events and queued invocations are journaled in ${join(resumeDir, "journal")}; 1 resumed from the last run`);
  }, 60_000);

  it("does record a queued invocation as a dead letter when its function is no longer in the stack", async () => {
    // prepare
    const goneDir = join(dataDir, "gone");
    openInvocationJournal(join(goneDir, "journal", "game-voice", "invocations.jsonl")).accept("game-voice-removed:req-1", {
      functionName: "game-voice-removed",
      requestId: "req-1",
      event: { chunk: 1 },
      attempts: 0,
      queuedAt: Date.now(),
    });
    // act
    const voice = await startVoiceRuntime({}, goneDir, root);
    running.push(voice);
    // assess
    expect(voice.runtime.deadLetters).toEqual([
      expect.objectContaining({ functionName: "game-voice-removed", requestId: "req-1", event: { chunk: 1 }, error: expect.objectContaining({ errorType: "ResourceNotFoundException" }) }),
    ]);
    expect(voice.logs).toContainEqual("[dead-letter] game-voice-removed dropped queued invocation req-1: Function game-voice-removed is no longer defined");
  }, 60_000);
});
