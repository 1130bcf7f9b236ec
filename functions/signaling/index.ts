import { ApiGatewayManagementApiClient, DeleteConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { BroadcastResult } from "../shared/broadcaster";
import { connectionPoster } from "../shared/connection-poster";
import { ConnectionStore } from "../shared/connection-store";
import { postAnnouncingDepartures } from "../shared/departures";
import { messageTypeField } from "../shared/envelope";
import { positiveIntegerOr } from "../shared/env";
import { ClientError, NotConnectedError } from "../shared/errors";
import { IceServers, iceSettings } from "../shared/ice-servers";
import { observability, startInvocation } from "../shared/observability";
import { answerOrReplyWithError, refuseConnection } from "../shared/reply";
import { GAME_ATTRIBUTE, isValidGameId, type SignalingConnection } from "../shared/signaling-connection";
import { GameFullError, InvalidGameIdError, PeerNotFoundError, PlayerMismatchError, SelfTargetError } from "../shared/signaling-errors";
import { parseSignalingRequest, type SignalingRequest } from "../shared/signaling-messages";
import { readTableBinding } from "../shared/table-binding";
import { callerIdentity, managementEndpoint, type WebSocketEvent, type WebSocketResult } from "../shared/websocket-event";

const typeField = messageTypeField();
// The seed's two hours, API Gateway's own limit on a connection; TTL only collects records whose $disconnect never came.
const ttlSeconds = positiveIntegerOr("CONNECTION_TTL_SECONDS", 7200);
const maxPlayers = positiveIntegerOr("MAX_PLAYERS_PER_GAME", 10);
const maxPayloadBytes = positiveIntegerOr("MAX_PAYLOAD_BYTES", 16 * 1024);
const { logger } = observability("signaling");
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const store = new ConnectionStore<SignalingConnection>(documents, readTableBinding("CONNECTIONS_TABLE", { ttl: true, indexesOn: [GAME_ATTRIBUTE] }));
const ice = new IceServers(iceSettings(), new SecretsManagerClient({}));
const managementClients = new Map<string, ApiGatewayManagementApiClient>();

type Seat = Pick<SignalingConnection, "connectionId" | "playerId" | "connectedAt">;

/** One event being handled: the connection, and how to reach connections of its API. */
interface Turn {
  connectionId: string;
  endpoint: string;
}

/** The game's connections, through the game index. */
function seats(gameId: string): Promise<Seat[]> {
  return store.queryBy(GAME_ATTRIBUTE, gameId, ["playerId", "connectedAt"]);
}

/** Posts to some connections; each one that answers 410 (and is not still connecting) is removed and its game's others are told `peer-left`. */
function post(turn: Turn, recipients: readonly string[], payload: Record<string, unknown>): Promise<BroadcastResult> {
  const { type, ...rest } = payload;
  return postAnnouncingDepartures(
    {
      post: connectionPoster(turn.endpoint).asPost,
      logger,
      remove: (gone) => store.removeGone(gone),
      announce: async (old) => ({
        recipients: (await seats(old.gameId)).filter((seat) => seat.playerId !== old.playerId).map((seat) => seat.connectionId),
        payload: { [typeField]: "peer-left", gameId: old.gameId, playerId: old.playerId },
      }),
    },
    recipients,
    { [typeField]: type, ...rest },
  );
}

/** The connection that stands for a player in a game: the latest, should two be seen at once. */
function latestOf(candidates: Seat[]): Seat | undefined {
  return candidates.reduce<Seat | undefined>((latest, seat) => (!latest || seat.connectedAt > latest.connectedAt || (seat.connectedAt === latest.connectedAt && seat.connectionId > latest.connectionId) ? seat : latest), undefined);
}

/** Closes a player's older connection in a game: its record goes first, so its `$disconnect` tells nobody it left. */
async function replace(turn: Turn, old: Seat, gameId: string): Promise<void> {
  await store.remove(old.connectionId);
  await post(turn, [old.connectionId], { type: "replaced", gameId });
  let client = managementClients.get(turn.endpoint);
  if (!client) managementClients.set(turn.endpoint, (client = new ApiGatewayManagementApiClient({ endpoint: turn.endpoint })));
  try {
    await client.send(new DeleteConnectionCommand({ ConnectionId: old.connectionId }));
  } catch (error) {
    // Already gone: what replacing wanted.
    if ((error as { name?: string }).name !== "GoneException") throw error;
  }
  logger.info("Replaced an older connection of the player", { replaced: old.connectionId, gameId });
}

async function connect(event: WebSocketEvent, turn: Turn): Promise<WebSocketResult> {
  const playerId = callerIdentity(event).username;
  const query = event.queryStringParameters ?? {};
  if (query.playerId !== undefined && query.playerId !== playerId) {
    throw new PlayerMismatchError(`Query playerId ${JSON.stringify(query.playerId.slice(0, 80))} is not the token's player`);
  }
  const gameId = query.gameId;
  if (gameId === undefined || !isValidGameId(gameId)) {
    throw new InvalidGameIdError(`gameId must be 1-64 letters, digits, hyphens or underscores, got ${JSON.stringify((gameId ?? "").slice(0, 80))}`);
  }
  const seatedPlayers = (list: Seat[]) => new Set(list.map((seat) => seat.playerId));
  const before = await seats(gameId);
  const full = () => new GameFullError(`Game ${gameId} already has ${maxPlayers} players`);
  if (!seatedPlayers(before).has(playerId) && seatedPlayers(before).size >= maxPlayers) {
    logger.warn("Connection refused: game is full", { gameId, playerId, maxPlayers });
    throw full();
  }
  const record: SignalingConnection = { connectionId: turn.connectionId, playerId, gameId, connectedAt: new Date().toISOString(), expiresAt: Math.floor(Date.now() / 1000) + ttlSeconds };
  await store.put(record);
  // Two players may take the last seat at once: seen after both records are written, the later one gives it up.
  const after = await seats(gameId);
  const firstSeen = new Map<string, Seat>();
  for (const seat of [...after].sort((a, b) => (a.connectedAt === b.connectedAt ? a.connectionId.localeCompare(b.connectionId) : a.connectedAt.localeCompare(b.connectedAt)))) {
    if (!firstSeen.has(seat.playerId)) firstSeen.set(seat.playerId, seat);
  }
  if (![...firstSeen.keys()].slice(0, maxPlayers).includes(playerId)) {
    await store.remove(turn.connectionId);
    logger.warn("Connection refused: game filled while connecting", { gameId, playerId, maxPlayers });
    throw full();
  }
  for (const old of after.filter((seat) => seat.playerId === playerId && seat.connectionId !== turn.connectionId)) await replace(turn, old, gameId);
  const others = after.filter((seat) => seat.playerId !== playerId).map((seat) => seat.connectionId);
  await post(turn, others, { type: "peer-joined", gameId, playerId });
  logger.info("Connected", { gameId, playerId });
  return { statusCode: 200 };
}

async function disconnect(turn: Turn): Promise<WebSocketResult> {
  const record = await store.get(turn.connectionId);
  if (!record) return { statusCode: 200 };
  await store.remove(turn.connectionId);
  const others = (await seats(record.gameId)).filter((seat) => seat.playerId !== record.playerId).map((seat) => seat.connectionId);
  await post(turn, others, { type: "peer-left", gameId: record.gameId, playerId: record.playerId });
  logger.info("Disconnected", { gameId: record.gameId, playerId: record.playerId });
  return { statusCode: 200 };
}

async function answer(turn: Turn, request: SignalingRequest): Promise<void> {
  const record = await store.get(turn.connectionId);
  if (!record) throw new NotConnectedError(`Connection ${turn.connectionId} is not registered in a game; reconnect`);
  const { playerId, gameId } = record;
  if (request.type === "join") {
    const peers = [...new Set((await seats(gameId)).map((seat) => seat.playerId).filter((id) => id !== playerId))];
    await post(turn, [turn.connectionId], { type: "joined", gameId, playerId, peers, iceServers: await ice.forPlayer(playerId, Date.now()) });
    return;
  }
  if (request.targetId === playerId) throw new SelfTargetError(`A ${request.type} must go to another player, not to ${playerId}`);
  const target = latestOf((await seats(gameId)).filter((seat) => seat.playerId === request.targetId));
  const notFound = () => new PeerNotFoundError(`Player ${JSON.stringify(request.targetId.slice(0, 80))} is not connected in game ${gameId}`);
  if (!target) throw notFound();
  const relayed = await post(turn, [target.connectionId], { type: request.type, fromId: playerId, targetId: request.targetId, gameId, payload: request.payload });
  // A target that answered 410 was removed and its game told; any other failure is ours.
  if (relayed.gone > 0) throw notFound();
  if (relayed.failed > 0) throw new Error(`Relay to ${target.connectionId} failed`);
}

/** `$connect`, `$disconnect` and `$default`: the seed's one routing function. */
export const handler = async (event: WebSocketEvent): Promise<WebSocketResult> => {
  const { connectionId, domainName, stage, requestId, eventType } = event.requestContext;
  startInvocation(logger, { connectionId, requestId, eventType });
  const turn: Turn = { connectionId, endpoint: managementEndpoint(domainName, stage) };
  if (eventType === "DISCONNECT") return disconnect(turn);
  if (eventType === "CONNECT") {
    try {
      return await connect(event, turn);
    } catch (error) {
      if (error instanceof ClientError) return refuseConnection(error, logger);
      throw error;
    }
  }
  return answerOrReplyWithError(event, { field: typeField, logger, post: connectionPoster(turn.endpoint).asPost, internalMessage: "Message could not be handled" }, async () => {
    const request = parseSignalingRequest(event.body, typeField, maxPayloadBytes);
    await answer(turn, request);
    return { type: request.type };
  });
};
