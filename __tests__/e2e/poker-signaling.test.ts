import { createHmac } from "node:crypto";
import { join as joinPath } from "node:path";
import { rmSync } from "node:fs";
import { DynamoDBClient, PutItemCommand, QueryCommand, UpdateItemCommand, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, type LocalRuntime } from "../../local/runtime";
import { LOCAL_CREDENTIALS } from "../../local/services/credentials";
import { PokerSignalingStack } from "../../stacks/poker-signaling-stack";
import { idToken, openJsonClient, type JsonClient, type Message } from "./json-client";
import { prepareProject } from "./support";

const STACK = "poker-signaling";
const MAX_PLAYERS = 4;
const MAX_PAYLOAD = 2048;
const STUN = "stun:stun.example.com:3478";
const TURN = "turn:turn.example.com:3478?transport=udp";
let root: string;
let runtime: LocalRuntime;
let dynamo: DynamoDBClient;
const logs: string[] = [];

beforeAll(async () => {
  root = prepareProject((app) => [
    new PokerSignalingStack(app, STACK, { region: "us-east-1", maxPlayersPerGame: MAX_PLAYERS, maxPayloadBytes: MAX_PAYLOAD, iceServers: { stunUrls: [STUN], turn: { urls: [TURN] } } }),
  ]);
  runtime = await startRuntime({ outDir: joinPath(root, "cdktf.out"), log: (line) => logs.push(line), prewarm: "wait", ttlSweepSeconds: 1 });
  dynamo = new DynamoDBClient({ endpoint: runtime.endpoints.services.dynamodb, region: "us-east-1", credentials: LOCAL_CREDENTIALS });
});

afterAll(async () => {
  dynamo?.destroy();
  await runtime?.close();
  rmSync(root, { recursive: true, force: true });
});

const stack = () => runtime.endpoints.stacks[STACK];
const table = () => stack().tables.connections;
let games = 0;
/** A game id of its own for each test, so that tests never see each other's players. */
const newGame = () => `table-${++games}-${Date.now().toString(36)}`;

async function token(playerId: string): Promise<string> {
  return idToken(runtime, stack().userPools.players.id, playerId);
}

/** A player connected to a game with a token in the query, as a browser connects. */
async function seat(playerId: string, gameId: string, query: Record<string, string> = {}): Promise<JsonClient> {
  return openJsonClient(stack().websocket!.url, { gameId, token: await token(playerId), ...query });
}

async function refusal(connecting: Promise<unknown>): Promise<number | undefined> {
  return connecting.then(
    () => undefined,
    (error: { status?: number }) => error.status,
  );
}

const isType = (type: string) => (message: Message) => message.type === type;

async function recordsOf(gameId: string): Promise<Record<string, string>[]> {
  const page = await dynamo.send(
    new QueryCommand({ TableName: table(), IndexName: "gameId-index", KeyConditionExpression: "gameId = :game", ExpressionAttributeValues: { ":game": { S: gameId } } }),
  );
  return (page.Items ?? []).map((item) => Object.fromEntries(Object.entries(item).map(([name, value]) => [name, value.S ?? value.N ?? ""])));
}

describe("the poker signaling stack, run locally", () => {
  it("does route every offer, answer and ICE candidate of a table of four to its one target, with the sender's verified id", async () => {
    // prepare
    const gameId = newGame();
    const ids = ["ann", "ben", "cat", "dan"];
    const players = new Map<string, JsonClient>();
    for (const id of ids) players.set(id, await seat(id, gameId));
    // act
    for (const from of ids) {
      for (const to of ids.filter((id) => id !== from)) {
        players.get(from)!.send({ type: "offer", targetId: to, payload: { sdp: `offer ${from}->${to}`, type: "offer" } });
        players.get(from)!.send({ type: "ice-candidate", targetId: to, payload: { candidate: `candidate:${from}`, sdpMid: "0" } });
      }
    }
    for (const to of ids) {
      for (const from of ids.filter((id) => id !== to)) {
        await players.get(to)!.next((message) => message.type === "offer" && message.fromId === from);
        players.get(to)!.send({ type: "answer", targetId: from, payload: { sdp: `answer ${to}->${from}`, type: "answer" } });
        players.get(to)!.send({ type: "ice-candidate", targetId: from, payload: { candidate: `candidate:${to}`, sdpMid: "0" } });
      }
    }
    // assess
    for (const from of ids) {
      const client = players.get(from)!;
      for (const to of ids.filter((id) => id !== from)) {
        expect(await client.next((message) => message.type === "answer" && message.fromId === to)).toEqual({
          type: "answer",
          fromId: to,
          targetId: from,
          gameId,
          payload: { sdp: `answer ${to}->${from}`, type: "answer" },
        });
        expect(await client.next((message) => message.type === "ice-candidate" && message.fromId === to)).toMatchObject({ targetId: from, gameId, payload: { candidate: `candidate:${to}` } });
      }
      expect(client.ofType("offer").map((message) => message.fromId).sort()).toEqual(ids.filter((id) => id !== from).sort());
      // ICE both ways: one candidate from each other player as offerer and one as answerer.
      await client.next(() => client.ofType("ice-candidate").length >= 2 * (ids.length - 1));
      expect(client.ofType("ice-candidate").map((message) => message.fromId).sort()).toEqual(ids.filter((id) => id !== from).flatMap((id) => [id, id]).sort());
      expect(client.ofType("offer").every((message) => message.targetId === from)).toBe(true);
    }
    await Promise.all([...players.values()].map((client) => client.close()));
  });

  it("does answer join with the others of the game and the ICE servers, and tell the others of joins and departures", async () => {
    // prepare
    const gameId = newGame();
    const ann = await seat("ann", gameId);
    const ben = await seat("ben", gameId);
    // act
    ben.send({ type: "join" });
    const joined = await ben.next(isType("joined"));
    const heardJoin = await ann.next(isType("peer-joined"));
    await ben.close();
    const heardLeave = await ann.next(isType("peer-left"));
    // assess
    expect(joined).toMatchObject({ type: "joined", gameId, playerId: "ben", peers: ["ann"] });
    expect((joined.iceServers as unknown[])[0]).toEqual({ urls: [STUN] });
    expect(heardJoin).toEqual({ type: "peer-joined", gameId, playerId: "ben" });
    expect(heardLeave).toEqual({ type: "peer-left", gameId, playerId: "ben" });
    expect((await recordsOf(gameId)).map((record) => record.playerId)).toEqual(["ann"]);
    await ann.close();
  });

  it("does give each player a TURN credential of its own, made from the secret the runtime serves through Secrets Manager", async () => {
    // prepare
    const secrets = new SecretsManagerClient({ endpoint: runtime.endpoints.services.secretsmanager, region: "us-east-1", credentials: LOCAL_CREDENTIALS });
    const { SecretString: shared } = await secrets.send(new GetSecretValueCommand({ SecretId: "poker-signaling-turn-secret" }));
    secrets.destroy();
    const ann = await seat("ann", newGame());
    // act
    const before = Math.floor(Date.now() / 1000);
    ann.send({ type: "join" });
    const [, turn] = (await ann.next(isType("joined"))).iceServers as { urls: string[]; username: string; credential: string }[];
    // assess
    const [expiry, player] = turn.username.split(":");
    expect(turn.urls).toEqual([TURN]);
    expect(player).toBe("ann");
    expect(Number(expiry) - before).toBeGreaterThanOrEqual(3600);
    expect(Number(expiry) - before).toBeLessThanOrEqual(3602);
    expect(turn.credential).toBe(createHmac("sha1", shared!).update(turn.username).digest("base64"));
    await ann.close();
  });

  it("does keep games apart: a player of another game is not found, and hears nothing", async () => {
    // prepare
    const ours = newGame();
    const theirs = newGame();
    const ann = await seat("ann", ours);
    const eve = await seat("eve", theirs);
    // act
    ann.send({ type: "offer", targetId: "eve", payload: { sdp: "x" } });
    const refused = await ann.next(isType("error"));
    ann.send({ type: "join" });
    const joined = await ann.next(isType("joined"));
    eve.send({ type: "join" });
    await eve.next(isType("joined"));
    // assess
    expect(refused).toMatchObject({ type: "error", code: "PEER_NOT_FOUND" });
    expect(joined.peers).toEqual([]);
    expect(eve.received.map((message) => message.type)).toEqual(["joined"]);
    await Promise.all([ann.close(), eve.close()]);
  });

  it("does replace a player's older connection in a game: told, closed by the server, its record gone, and nobody told it left", async () => {
    // prepare
    const gameId = newGame();
    const ann = await seat("ann", gameId);
    const first = await seat("ben", gameId);
    await ann.next(isType("peer-joined"));
    const firstClosed = first.closed();
    // act
    const second = await seat("ben", gameId);
    const replaced = await first.next(isType("replaced"));
    await firstClosed;
    ann.send({ type: "offer", targetId: "ben", payload: { sdp: "to the new one" } });
    const offer = await second.next(isType("offer"));
    ann.send({ type: "join" });
    const joined = await ann.next(isType("joined"));
    // assess
    expect(replaced).toEqual({ type: "replaced", gameId });
    expect(offer).toMatchObject({ fromId: "ann", payload: { sdp: "to the new one" } });
    expect(joined.peers).toEqual(["ben"]);
    expect(ann.ofType("peer-left")).toEqual([]);
    expect((await recordsOf(gameId)).map((record) => record.playerId).sort()).toEqual(["ann", "ben"]);
    await Promise.all([ann.close(), second.close()]);
  });

  it("does refuse a handshake past the table's limit with 403 and a log line naming the game, and seat a returning player", async () => {
    // prepare
    const gameId = newGame();
    const seated = [];
    for (let index = 0; index < MAX_PLAYERS; index++) seated.push(await seat(`p${index}`, gameId));
    // act
    const status = await refusal(seat("late", gameId));
    const again = await seat("p0", gameId);
    // assess
    expect(status).toBe(403);
    expect(logs.some((line) => line.includes("game is full") && line.includes(gameId))).toBe(true);
    expect(new Set((await recordsOf(gameId)).map((record) => record.playerId)).size).toBe(MAX_PLAYERS);
    await Promise.all([...seated, again].map((client) => client.close()));
  });

  it("does refuse handshakes without a token (401), for another player's id (403) and without a valid game (400)", async () => {
    // prepare
    const url = stack().websocket!.url;
    const annToken = await token("ann");
    // act
    const statuses = await Promise.all([
      refusal(openJsonClient(url, { gameId: newGame() })),
      refusal(openJsonClient(url, { gameId: newGame(), token: annToken, playerId: "ben" })),
      refusal(openJsonClient(url, { token: annToken })),
      refusal(openJsonClient(url, { gameId: "no spaces allowed", token: annToken })),
      refusal(openJsonClient(url, { gameId: "x".repeat(65), token: annToken })),
    ]);
    const matching = await seat("ann", newGame(), { playerId: "ann" });
    // assess
    expect(statuses).toEqual([401, 403, 400, 400, 400]);
    await matching.close();
  });

  it("does accept the token as a bearer header too", async () => {
    // act
    const client = await openJsonClient(stack().websocket!.url, { gameId: newGame() }, { Authorization: `Bearer ${await token("ann")}` });
    client.send({ type: "join" });
    // assess
    expect(await client.next(isType("joined"))).toMatchObject({ playerId: "ann" });
    await client.close();
  });

  it.each([
    ["INVALID_JSON", "{not json"],
    ["INVALID_MESSAGE", "[1, 2]"],
    ["INVALID_MESSAGE", { targetId: "ben" }],
    ["INVALID_MESSAGE", { type: 7 }],
    ["INVALID_MESSAGE", { type: "offer", payload: { sdp: "x" } }],
    ["INVALID_MESSAGE", { type: "offer", targetId: "", payload: { sdp: "x" } }],
    ["INVALID_MESSAGE", { type: "answer", targetId: "ben", payload: "sdp" }],
    ["INVALID_MESSAGE", { type: "ice-candidate", targetId: "ben", payload: null }],
    ["UNKNOWN_TYPE", { type: "bet", targetId: "ben", payload: {} }],
    ["SELF_TARGET", { type: "offer", targetId: "ann", payload: { sdp: "x" } }],
    ["PEER_NOT_FOUND", { type: "offer", targetId: "nobody", payload: { sdp: "x" } }],
    ["PAYLOAD_TOO_LARGE", { type: "offer", targetId: "ben", payload: { sdp: "x".repeat(MAX_PAYLOAD) } }],
  ])("does answer %s on the same connection, and relay nothing", async (code, message) => {
    // prepare
    const gameId = newGame();
    const ann = await seat("ann", gameId);
    const ben = await seat("ben", gameId);
    await ann.next(isType("peer-joined"));
    // act
    ann.send(message);
    const error = await ann.next(isType("error"));
    // A marker that must arrive after anything the bad message could have relayed.
    ann.send({ type: "offer", targetId: "ben", payload: { marker: true } });
    await ben.next((received) => received.type === "offer");
    // assess
    expect(error).toMatchObject({ type: "error", code });
    expect(typeof error.message).toBe("string");
    if (code === "UNKNOWN_TYPE") expect(error.message).toContain("join, offer, answer, ice-candidate");
    expect(ben.ofType("offer")).toEqual([{ type: "offer", fromId: "ann", targetId: "ben", gameId, payload: { marker: true } }]);
    await Promise.all([ann.close(), ben.close()]);
  });

  it("does answer INTERNAL_ERROR with the request id when the player's record is unusable", async () => {
    // prepare
    const gameId = newGame();
    const ann = await seat("ann", gameId);
    const [record] = await recordsOf(gameId);
    await dynamo.send(new UpdateItemCommand({ TableName: table(), Key: { connectionId: { S: record.connectionId } }, UpdateExpression: "REMOVE gameId" }));
    // act
    ann.send({ type: "join" });
    const error = await ann.next(isType("error"));
    // assess
    expect(error).toMatchObject({ type: "error", code: "INTERNAL_ERROR" });
    expect(error.message).toMatch(/request \S+/);
    await ann.close();
  });

  it("does remove a vanished peer on the next relay, tell the game it left, and answer PEER_NOT_FOUND", async () => {
    // prepare
    const gameId = newGame();
    const ann = await seat("ann", gameId);
    const ben = await seat("ben", gameId);
    await ann.next(isType("peer-joined"));
    await dynamo.send(
      new PutItemCommand({
        TableName: table(),
        Item: { connectionId: { S: "Vanished0000000=" }, playerId: { S: "ghost" }, gameId: { S: gameId }, connectedAt: { S: new Date(Date.now() - 60_000).toISOString() }, ttl: { N: String(Math.floor(Date.now() / 1000) + 3600) } },
      }),
    );
    // act
    ann.send({ type: "offer", targetId: "ghost", payload: { sdp: "x" } });
    const error = await ann.next(isType("error"));
    const told = await ben.next(isType("peer-left"));
    // assess
    expect(error).toMatchObject({ code: "PEER_NOT_FOUND" });
    expect(told).toEqual({ type: "peer-left", gameId, playerId: "ghost" });
    expect((await dynamo.send(new GetItemCommand({ TableName: table(), Key: { connectionId: { S: "Vanished0000000=" } } }))).Item).toBeUndefined();
    await Promise.all([ann.close(), ben.close()]);
  });

  it("does expire a record whose ttl attribute has passed, as DynamoDB's TTL would", async () => {
    // prepare
    const gameId = newGame();
    const key = { connectionId: { S: "Expired00000000=" } };
    await dynamo.send(
      new PutItemCommand({ TableName: table(), Item: { ...key, playerId: { S: "old" }, gameId: { S: gameId }, connectedAt: { S: "2026-01-01T00:00:00.000Z" }, ttl: { N: String(Math.floor(Date.now() / 1000) - 1) } } }),
    );
    // act
    const deadline = Date.now() + 5000;
    while ((await dynamo.send(new GetItemCommand({ TableName: table(), Key: key }))).Item && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    // assess
    expect((await dynamo.send(new GetItemCommand({ TableName: table(), Key: key }))).Item).toBeUndefined();
  });

  it("does answer any JSON a client sends with one error or one relayed message, and never reach another game", async () => {
    // prepare
    const gameId = newGame();
    const ann = await seat("ann", gameId);
    const ben = await seat("ben", gameId);
    const outsider = await seat("ben", newGame());
    await ann.next(isType("peer-joined"));
    const message = fc.oneof(
      fc.jsonValue(),
      fc.record({ type: fc.constantFrom("offer", "answer", "ice-candidate", "join", "bet"), targetId: fc.oneof(fc.constantFrom("ben", "ann", "nobody"), fc.jsonValue()), payload: fc.jsonValue() }, { requiredKeys: [] }),
    );
    let marker = 0;
    // act and assess
    await fc.assert(
      fc.asyncProperty(message, async (sent) => {
        const before = { ann: ann.received.length, ben: ben.received.length };
        const isMarker = (received: Message) => typeof (received.payload as { probeMarker?: unknown } | undefined)?.probeMarker === "number";
        const outcomes = () =>
          ann.received.slice(before.ann).filter((received) => received.type === "error" || received.type === "joined").length +
          ben.received.slice(before.ben).filter((received) => !isMarker(received)).length;
        ann.send(JSON.stringify(sent));
        // The message's outcome first (answers on two connections come in no set order), then a marker that must
        // arrive after anything else the message could have caused.
        const deadline = Date.now() + 5000;
        while (outcomes() === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
        const id = ++marker;
        ann.send({ type: "offer", targetId: "ben", payload: { probeMarker: id } });
        await ben.next((received) => (received.payload as { probeMarker?: number } | undefined)?.probeMarker === id);
        // Exactly one outcome for the message: an error to the sender, one relay, or a join's answer.
        expect(outcomes()).toBe(1);
      }),
      { numRuns: 60 },
    );
    expect(outsider.received).toEqual([]);
    await Promise.all([ann.close(), ben.close(), outsider.close()]);
  });
});
