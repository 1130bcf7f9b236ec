import { DynamoDBClient, GetItemCommand, PutItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AUDIO_EVENT_DETAIL_TYPE, AUDIO_EVENT_SOURCE } from "../../functions/shared/audio-events";
import { TTL_SWEEP_PAGE_ITEMS } from "../../local/dynamodb/dynalite";
import { connect, pcm, player, sleep, startVoiceRuntime, tokenFor, type Player, type VoiceRuntime } from "./support";

const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
let voice: VoiceRuntime;
let dynamodb: DynamoDBClient;
let s3: S3Client;
let events: EventBridgeClient;
const players: Player[] = [];

async function join(username: string, channel: string): Promise<Player> {
  const joined = await player(voice, username, channel);
  players.push(joined);
  return joined;
}

/** Audio that only a marker carries, so a player can tell the marker from every chunk a test sends. */
const MARKER = pcm(320, 77);

const isMarker = (message: Record<string, unknown>) => message.action === "audio" && (message.data as { audio: string }).audio === MARKER;
const authorOf = (message: Record<string, unknown>) => (message.data as { author: string }).author;
const audioOf = (message: Record<string, unknown>) => (message.data as { audio: string }).audio;

/**
 * Has `from` send the marker through the whole pipeline and waits until each of `to` heard it: a chunk that must not
 * reach them, sent and answered before, would have come first, so asserting its absence then needs no fixed wait.
 */
async function passMarker(from: Player, to: Player[]): Promise<void> {
  from.send({ action: "sendaudio", data: MARKER });
  await Promise.all(to.map((member) => member.next(isMarker)));
}

async function connectionIdOf(username: string): Promise<string> {
  const result = await dynamodb.send(new ScanCommand({ TableName: "game-voice-connections" }));
  const item = result.Items?.find((candidate) => candidate.username?.S === username);
  if (!item?.connectionId?.S) throw new Error(`No connection record for ${username}`);
  return item.connectionId.S;
}

beforeAll(async () => {
  voice = await startVoiceRuntime();
  const services = voice.runtime.endpoints.services;
  dynamodb = new DynamoDBClient({ endpoint: services.dynamodb, region: "us-east-1", credentials });
  s3 = new S3Client({ endpoint: services.s3, region: "us-east-1", credentials, forcePathStyle: true, requestChecksumCalculation: "WHEN_REQUIRED" });
  events = new EventBridgeClient({ endpoint: services.events, region: "us-east-1", credentials });
}, 60_000);

afterAll(async () => {
  await Promise.all(players.map((one) => one.close()));
  await voice?.close();
});

describe("game voice on the local runtime", () => {
  it("delivers one sender's audio to every listener in the channel, validated and attributed to the sender", async () => {
    const sender = await join("alice", "one-to-many");
    const listeners = await Promise.all(["bob", "carol", "dave"].map((name) => join(name, "one-to-many")));
    const audio = pcm(3200);

    sender.send({ action: "sendaudio", data: audio });

    for (const listener of listeners) {
      const message = await listener.next((candidate) => candidate.action === "audio");
      expect(message.data).toMatchObject({ audio, author: "alice", status: "VALIDATED" });
      expect(typeof (message.data as { timestamp: string }).timestamp).toBe("string");
    }
    await passMarker(listeners[0], [sender]);
    expect(sender.audio().map(authorOf)).toEqual(["bob"]);
  });

  it("accepts the seed's audio route and a token in the query string when a browser connects", async () => {
    const token = await tokenFor(voice, "browser-user");
    const browser = await connect(voice, { channel: "browser", token, tokenIn: "query" });
    players.push(browser);
    const listener = await join("browser-listener", "browser");

    browser.send({ action: "audio", data: pcm(640), author: "browser-user" });

    await expect(listener.next((message) => message.action === "audio")).resolves.toMatchObject({ data: { author: "browser-user" } });
  });

  it("delivers every chunk of several concurrent senders to each other member and none back to its sender", async () => {
    const senders = await Promise.all(["s1", "s2", "s3"].map((name) => join(name, "concurrent")));
    const listener = await join("concurrent-listener", "concurrent");

    await Promise.all(senders.flatMap((sender, index) => [sender.send({ action: "sendaudio", data: pcm(320, index + 1) }), sender.send({ action: "sendaudio", data: pcm(320, index + 1) })]));

    await listener.next(() => listener.audio().length === 6, 10_000);
    await Promise.all(senders.map((sender) => sender.next(() => sender.audio().length === 4, 10_000)));
    await passMarker(listener, senders);
    await passMarker(senders[0], [listener]);
    expect(listener.audio()).toHaveLength(7);
    expect(isMarker(listener.audio()[6])).toBe(true);
    for (const [index, sender] of senders.entries()) {
      const authors = sender.audio().filter((message) => !isMarker(message)).map(authorOf);
      expect(authors).toHaveLength(4);
      expect(authors).not.toContain(`s${index + 1}`);
    }
  });

  it("keeps channels apart when players in two channels talk at once", async () => {
    const red = await join("red-1", "red");
    const redListener = await join("red-2", "red");
    const blueListener = await join("blue-1", "blue");
    const blueTalker = await join("blue-2", "blue");

    red.send({ action: "sendaudio", data: pcm(320) });

    await redListener.next((message) => message.action === "audio");
    await passMarker(blueTalker, [blueListener]);
    expect(blueListener.audio().map(authorOf)).toEqual(["blue-2"]);
  });

  it("delivers to and from a player who reconnects", async () => {
    const listener = await join("steady", "reconnect");
    const first = await join("flaky", "reconnect");
    await first.close();

    const again = await join("flaky", "reconnect");
    again.send({ action: "sendaudio", data: pcm(320) });
    listener.send({ action: "sendaudio", data: pcm(320, 9) });

    await expect(listener.next((message) => message.action === "audio")).resolves.toMatchObject({ data: { author: "flaky" } });
    await expect(again.next((message) => message.action === "audio")).resolves.toMatchObject({ data: { author: "steady" } });
  });

  it("removes a listener that vanished without closing when the next broadcast finds it gone", async () => {
    const sender = await join("talker", "vanish");
    const listener = await join("hearer", "vanish");
    const staleId = "vanished-connection=";
    const now = Math.floor(Date.now() / 1000);
    await dynamodb.send(
      new PutItemCommand({
        TableName: "game-voice-connections",
        Item: {
          connectionId: { S: staleId },
          channel: { S: "vanish" },
          userId: { S: "ghost-id" },
          username: { S: "ghost" },
          // a minute old: past the grace in which a 410 may mean "still connecting"
          connectedAt: { N: String(Date.now() - 60_000) },
          expiresAt: { N: String(now + 3600) },
        },
      }),
    );

    sender.send({ action: "sendaudio", data: pcm(320) });

    await listener.next((message) => message.action === "audio");
    const deadline = Date.now() + 3000;
    let stale = await dynamodb.send(new GetItemCommand({ TableName: "game-voice-connections", Key: { connectionId: { S: staleId } } }));
    while (stale.Item && Date.now() < deadline) {
      await sleep(100);
      stale = await dynamodb.send(new GetItemCommand({ TableName: "game-voice-connections", Key: { connectionId: { S: staleId } } }));
    }
    expect(stale.Item).toBeUndefined();
    const sendersRecord = await dynamodb.send(new GetItemCommand({ TableName: "game-voice-connections", Key: { connectionId: { S: await connectionIdOf("talker") } } }));
    expect(sendersRecord.Item).toBeDefined();
  });

  it("delivers a chunk at the size limit and refuses one just over it", async () => {
    const sender = await join("limit-sender", "limits");
    const listener = await join("limit-listener", "limits");

    sender.send({ action: "sendaudio", data: pcm(24_000) });
    sender.send({ action: "sendaudio", data: pcm(24_002) });

    await expect(listener.next((message) => message.action === "audio")).resolves.toMatchObject({ data: { author: "limit-sender" } });
    await expect(sender.next((message) => message.action === "error")).resolves.toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    await passMarker(sender, [listener]);
    expect(listener.audio().map(audioOf)).toEqual([pcm(24_000), MARKER]);
  });

  it("tells the sender FAILED and delivers nothing when the audio is not whole 16-bit samples", async () => {
    const sender = await join("odd-sender", "odd");
    const listener = await join("odd-listener", "odd");

    sender.send({ action: "sendaudio", data: pcm(321) });

    await expect(sender.next((message) => message.action === "audio_status")).resolves.toMatchObject({
      data: { status: "FAILED", code: "ODD_LENGTH", author: "odd-sender" },
    });
    await passMarker(sender, [listener]);
    expect(listener.audio().map(audioOf)).toEqual([MARKER]);
  });

  it("closes the connection with 1009 when a frame is over 32 KB", async () => {
    const sender = await join("big-frame", "frames");
    const closed = new Promise<number>((resolve) => sender.socket.once("close", (code) => resolve(code)));

    sender.send({ action: "sendaudio", data: pcm(40_000) });

    await expect(closed).resolves.toBe(1009);
  });

  it("answers each malformed message with its error code and keeps the connection open", async () => {
    const sender = await join("sloppy", "errors");
    const listener = await join("sloppy-listener", "errors");

    sender.send("{not json");
    sender.send({ action: "shout" });
    sender.send({ action: "sendaudio" });
    sender.send({ action: "sendaudio", data: "***" });
    sender.send({ action: "sendaudio", data: 12 });

    await sender.next(() => sender.received.filter((message) => message.action === "error").length === 5);
    const codes = sender.received.filter((message) => message.action === "error").map((message) => message.code).sort();
    expect(codes).toEqual(["INVALID_BASE64", "INVALID_BASE64", "INVALID_JSON", "MISSING_DATA", "UNKNOWN_ROUTE"]);
    const unknown = sender.received.find((message) => message.code === "UNKNOWN_ROUTE");
    expect(unknown?.message).toContain("sendaudio, audio");
    await passMarker(sender, [listener]);
    expect(sender.socket.readyState).toBe(sender.socket.OPEN);
  });

  it("refuses an author that is not the caller and delivers nothing", async () => {
    const sender = await join("honest", "spoof");
    const listener = await join("spoof-listener", "spoof");

    sender.send({ action: "sendaudio", data: pcm(320), author: "spoof-listener" });

    await expect(sender.next((message) => message.action === "error")).resolves.toMatchObject({ code: "AUTHOR_MISMATCH" });
    await passMarker(sender, [listener]);
    expect(listener.audio().map(authorOf)).toEqual(["honest"]);
  });

  it("broadcasts a chunk once when EventBridge delivers its STORED event twice", async () => {
    const sender = await join("dup-sender", "dup");
    const listener = await join("dup-listener", "dup");
    const senderId = await connectionIdOf("dup-sender");
    const key = "audio/dup-sender/2026-01-01T00:00:00.000Z-0000000000aa.pcm";
    await s3.send(new PutObjectCommand({ Bucket: voice.bucket, Key: key, Body: Buffer.from(pcm(320), "base64") }));
    const domainName = new URL(voice.url).host;
    const detail = {
      status: "STORED",
      chunk_id: `${senderId}:duplicate-test`,
      channel: "dup",
      message: { action: "sendaudio", author: "dup-sender" },
      websocket_context: { domain_name: domainName, stage: "live", connection_id: senderId },
      timestamp: "2026-01-01T00:00:00.000Z",
      s3_key: key,
    };
    const entry = { EventBusName: "game-voice-events", Source: AUDIO_EVENT_SOURCE, DetailType: AUDIO_EVENT_DETAIL_TYPE, Detail: JSON.stringify(detail) };

    await events.send(new PutEventsCommand({ Entries: [entry, entry] }));
    await events.send(new PutEventsCommand({ Entries: [entry] }));

    await listener.next((message) => message.action === "audio");
    // A later chunk from a connection that is neither player reaches both once the duplicates had their turn
    const marker = { ...detail, chunk_id: `${senderId}:duplicate-marker`, message: { action: "sendaudio", author: "dup-marker" }, websocket_context: { ...detail.websocket_context, connection_id: "marker-connection=" } };
    await events.send(new PutEventsCommand({ Entries: [{ ...entry, Detail: JSON.stringify(marker) }] }));
    await Promise.all([listener, sender].map((member) => member.next((message) => message.action === "audio" && authorOf(message) === "dup-marker")));
    expect(listener.audio().map(authorOf)).toEqual(["dup-sender", "dup-marker"]);
    expect(sender.audio().map(authorOf)).toEqual(["dup-marker"]);
  });

  it("tells the sender FAILED and delivers nothing when S3 cannot store the chunk", async () => {
    const sender = await join("s3-sender", "s3-down");
    const listener = await join("s3-listener", "s3-down");
    const objects = await s3.send(new ListObjectsV2Command({ Bucket: voice.bucket }));
    for (const object of objects.Contents ?? []) await s3.send(new DeleteObjectCommand({ Bucket: voice.bucket, Key: object.Key }));
    await s3.send(new DeleteBucketCommand({ Bucket: voice.bucket }));

    try {
      sender.send({ action: "sendaudio", data: pcm(320) });

      await expect(sender.next((message) => message.action === "audio_status")).resolves.toMatchObject({
        data: { status: "FAILED", code: "STORAGE_FAILED", author: "s3-sender" },
      });
    } finally {
      await s3.send(new CreateBucketCommand({ Bucket: voice.bucket }));
    }
    await passMarker(sender, [listener]);
    expect(listener.audio().map(audioOf)).toEqual([MARKER]);
  });
});

describe("handshake of the local runtime", () => {
  it("refuses a missing or wrong API key with 403", async () => {
    const token = await tokenFor(voice, "keyless");

    await expect(connect(voice, { token, apiKey: null })).rejects.toMatchObject({ status: 403 });
    await expect(connect(voice, { token, apiKey: "not-the-key" })).rejects.toMatchObject({ status: 403 });
  });

  it("refuses a missing token with 401", async () => {
    await expect(connect(voice, { token: null })).rejects.toMatchObject({ status: 401 });
  });

  it("refuses a forged token with 401 when its payload was changed after signing", async () => {
    const [header, payload, signature] = (await tokenFor(voice, "mallory")).split(".");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    const forged = [header, Buffer.from(JSON.stringify({ ...claims, "cognito:username": "admin" })).toString("base64url"), signature].join(".");

    await expect(connect(voice, { token: forged })).rejects.toMatchObject({ status: 401 });
  });

  it("refuses an expired token with 401", async () => {
    const token = await tokenFor(voice, "late", 1);
    await sleep(2100);

    await expect(connect(voice, { token })).rejects.toMatchObject({ status: 401 });
  });

  it("refuses a malformed channel name with 400", async () => {
    const token = await tokenFor(voice, "channel-typo");

    await expect(connect(voice, { token, channel: "no spaces/allowed" })).rejects.toMatchObject({ status: 400 });
  });
});

describe("AWS services of the local runtime", () => {
  it("answers TestEventPattern for an AWS SDK client with the synthesized rule's verdict", async () => {
    const { TestEventPatternCommand } = await import("@aws-sdk/client-eventbridge");
    const rule = voice.runtime.models[0].rules.find((candidate) => candidate.name === "game-voice-audio-processing")!;
    const event = (status: string) =>
      JSON.stringify({
        id: "1",
        account: "000000000000",
        source: AUDIO_EVENT_SOURCE,
        time: "2026-01-01T00:00:00Z",
        region: "us-east-1",
        "detail-type": AUDIO_EVENT_DETAIL_TYPE,
        detail: {
          status,
          chunk_id: "c",
          channel: "lobby",
          message: { action: "sendaudio", data: "AAAA", author: "alice" },
          websocket_context: { domain_name: "d", stage: "live", connection_id: "x" },
        },
      });

    const pending = await events.send(new TestEventPatternCommand({ EventPattern: rule.eventPattern!, Event: event("PENDING") }));
    const stored = await events.send(new TestEventPatternCommand({ EventPattern: rule.eventPattern!, Event: event("STORED") }));

    expect(pending.Result).toBe(true);
    expect(stored.Result).toBe(false);
    await expect(events.send(new TestEventPatternCommand({ EventPattern: '{"source": "not-a-list"}', Event: event("PENDING") }))).rejects.toMatchObject({
      name: "InvalidEventPatternException",
    });
  });

  it("reports and closes a connection through @connections, and answers 410 once it is gone", async () => {
    const listener = await join("managed", "managed");
    const id = await connectionIdOf("managed");
    const base = `${voice.url.replace(/^ws:/, "http:")}/@connections/${encodeURIComponent(id)}`;
    const closed = new Promise<number>((resolve) => listener.socket.once("close", (code) => resolve(code)));

    const info = await fetch(base);
    const removed = await fetch(base, { method: "DELETE" });
    await closed;
    const after = await fetch(base, { method: "POST", body: "{}" });

    expect(info.status).toBe(200);
    expect(await info.json()).toMatchObject({ connectedAt: expect.any(String), identity: { sourceIp: "127.0.0.1" } });
    expect(removed.status).toBe(204);
    expect(after.status).toBe(410);
    const deadline = Date.now() + 3000;
    let record = await dynamodb.send(new GetItemCommand({ TableName: "game-voice-connections", Key: { connectionId: { S: id } } }));
    while (record.Item && Date.now() < deadline) {
      await sleep(100);
      record = await dynamodb.send(new GetItemCommand({ TableName: "game-voice-connections", Key: { connectionId: { S: id } } }));
    }
    expect(record.Item).toBeUndefined();
  });

  it("deletes an item whose TTL has passed within the sweep interval", async () => {
    const past = Math.floor(Date.now() / 1000) - 10;
    await dynamodb.send(new PutItemCommand({ TableName: "game-voice-audio-chunks", Item: { chunkId: { S: "expired-chunk" }, expiresAt: { N: String(past) } } }));
    await dynamodb.send(new PutItemCommand({ TableName: "game-voice-audio-chunks", Item: { chunkId: { S: "live-chunk" }, expiresAt: { N: String(past + 3600) } } }));

    const itemOf = (chunkId: string) => dynamodb.send(new GetItemCommand({ TableName: "game-voice-audio-chunks", Key: { chunkId: { S: chunkId } } }));

    const table = await dynamodb.send(new ScanCommand({ TableName: "game-voice-audio-chunks", Select: "COUNT" }));

    await vi.waitFor(async () => expect((await itemOf("expired-chunk")).Item).toBeUndefined(), { timeout: 2500, interval: 50 });
    // A sweep deletes after each Scan page; with the table within one page, the page that held the expired item held the live one
    expect(table.Count).toBeLessThan(TTL_SWEEP_PAGE_ITEMS);
    expect((await itemOf("live-chunk")).Item).toBeDefined();
  });
});
