import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { chatLimits } from "../shared/chat-config";
import { connectionPoster } from "../shared/connection-poster";
import { postToConnections } from "../shared/chat-departures";
import type { ChatConnection } from "../shared/chat-connection";
import { NotInRoomError, RateLimitedError } from "../shared/chat-errors";
import { decodeCursor, directConversation, MessageArchive, roomConversation, type ArchivedMessage } from "../shared/chat-history";
import { ChatMembership } from "../shared/chat-membership";
import { parseChatRequest, type ChatRequest } from "../shared/chat-messages";
import { RoomDirectory } from "../shared/chat-rooms";
import { messageTypeField } from "../shared/envelope";
import { NotConnectedError } from "../shared/errors";
import { observability, startInvocation } from "../shared/observability";
import { takeConnectionToken } from "../shared/rate-limit";
import { answerOrReplyWithError } from "../shared/reply";
import { readTableBinding } from "../shared/table-binding";
import { managementEndpoint, type WebSocketEvent, type WebSocketResult } from "../shared/websocket-event";

const HISTORY_ON_JOIN = 50;
const DEFAULT_HISTORY_LIMIT = 50;

const typeField = messageTypeField();
const limits = chatLimits();
const { logger } = observability("chat-message");
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const connectionsBinding = readTableBinding("CONNECTIONS_TABLE", { ttl: true });
const rooms = new RoomDirectory(documents, readTableBinding("ROOMS_TABLE"));
const membership = new ChatMembership(documents, connectionsBinding, rooms);
const archive = new MessageArchive(documents, readTableBinding("MESSAGES_TABLE", { ttl: true }), limits.retentionDays);

/** One message being answered: who sent it, from which connection, and how to reach connections of its API. */
interface Turn {
  connection: ChatConnection;
  connectionId: string;
  endpoint: string;
  now: string;
}

/**
 * Posts to some connections; each one that answers 410 is removed with its room membership, and its room told. Every
 * server message carries an ISO `timestamp`: its own (a chat message's, from the archive) or the turn's.
 */
async function post(turn: Turn, recipients: readonly string[], payload: Record<string, unknown>): Promise<number> {
  return postToConnections(
    { post: connectionPoster(turn.endpoint).asPost, membership, typeField, logger },
    recipients,
    { [typeField]: payload.type, ...withoutType(payload), timestamp: payload.timestamp ?? turn.now },
  );
}

function withoutType(payload: Record<string, unknown>): Record<string, unknown> {
  const { type: _type, ...rest } = payload;
  return rest;
}

async function othersIn(roomId: string, connectionId: string): Promise<string[]> {
  return (await membership.members(roomId)).map((member) => member.connectionId).filter((id) => id !== connectionId);
}

function chatPayload(message: ArchivedMessage): Record<string, unknown> {
  return { type: "chat", roomId: message.roomId, messageId: message.messageId, userId: message.userId, username: message.username, message: message.message, timestamp: message.timestamp };
}

function privatePayload(message: ArchivedMessage): Record<string, unknown> {
  return {
    type: "private_message",
    messageId: message.messageId,
    fromUserId: message.userId,
    fromUsername: message.username,
    targetUserId: message.targetUserId,
    message: message.message,
    timestamp: message.timestamp,
  };
}

function currentRoom(turn: Turn): string {
  if (turn.connection.roomId === undefined) throw new NotInRoomError("Connection is in no room; join one first");
  return turn.connection.roomId;
}

/** Carries out one checked request. */
async function answer(turn: Turn, request: ChatRequest): Promise<void> {
  const { connection, connectionId, now } = turn;
  const user = { userId: connection.userId, username: connection.username };
  switch (request.type) {
    case "chat": {
      const roomId = currentRoom(turn);
      const message: ArchivedMessage = { messageId: randomUUID(), ...user, message: request.message, timestamp: now, roomId };
      await archive.store(roomConversation(roomId), message);
      await post(turn, (await membership.members(roomId)).map((member) => member.connectionId), chatPayload(message));
      return;
    }
    case "join_room": {
      const moved = await membership.move(connectionId, request.roomId);
      if (moved === "not-connected") throw new NotConnectedError(`Connection ${connectionId} is not registered; reconnect`);
      if (moved.previous !== undefined && moved.previous !== request.roomId) {
        await post(turn, await othersIn(moved.previous, connectionId), { type: "user_left", roomId: moved.previous, ...user, timestamp: now });
      }
      const members = await membership.members(request.roomId);
      if (moved.previous !== request.roomId) {
        const others = members.map((member) => member.connectionId).filter((id) => id !== connectionId);
        await post(turn, others, { type: "user_joined", roomId: request.roomId, ...user, timestamp: now });
      }
      const unique = new Map(members.map((member) => [member.userId, { userId: member.userId, username: member.username }]));
      unique.set(user.userId, unique.get(user.userId) ?? user);
      const history = await archive.page(roomConversation(request.roomId), HISTORY_ON_JOIN);
      await post(turn, [connectionId], { type: "room_joined", roomId: request.roomId, members: [...unique.values()], history: history.messages.map(chatPayload) });
      return;
    }
    case "leave_room": {
      const left = await membership.leave(connectionId);
      if (left === undefined) throw new NotInRoomError("Connection is in no room");
      await post(turn, await othersIn(left, connectionId), { type: "user_left", roomId: left, ...user, timestamp: now });
      await post(turn, [connectionId], { type: "room_left", roomId: left });
      return;
    }
    case "private_message": {
      const message: ArchivedMessage = { messageId: randomUUID(), ...user, message: request.message, timestamp: now, targetUserId: request.targetUserId };
      await archive.store(directConversation(user.userId, request.targetUserId), message);
      const targets = (await membership.connectionsOf(request.targetUserId)).map((member) => member.connectionId);
      const delivered = await post(turn, targets, privatePayload(message));
      await post(turn, [connectionId], { type: "private_message_sent", messageId: message.messageId, targetUserId: request.targetUserId, delivered, timestamp: now });
      return;
    }
    case "room_list": {
      await post(turn, [connectionId], { type: "room_list", rooms: await rooms.listWithMembers() });
      return;
    }
    case "typing_indicator": {
      const roomId = currentRoom(turn);
      await post(turn, await othersIn(roomId, connectionId), { type: "typing_indicator", roomId, ...user, isTyping: request.isTyping });
      return;
    }
    case "history": {
      const limit = request.limit ?? DEFAULT_HISTORY_LIMIT;
      const direct = request.withUserId;
      const roomId = direct === undefined ? (request.roomId ?? currentRoom(turn)) : undefined;
      const conversation = direct !== undefined ? directConversation(user.userId, direct) : roomConversation(roomId!);
      const before = request.before === undefined ? undefined : decodeCursor(request.before, conversation);
      const page = await archive.page(conversation, limit, before);
      const messages = page.messages.map((message) => (direct !== undefined ? privatePayload(message) : chatPayload(message)));
      const scope = direct !== undefined ? { withUserId: direct } : { roomId };
      await post(turn, [connectionId], { type: "history", ...scope, messages, nextBefore: page.nextBefore });
      return;
    }
  }
}

/** Answers every chat route and `$default`: each message gets the specified messages, or exactly one error reply. */
export const handler = async (event: WebSocketEvent): Promise<WebSocketResult> => {
  const { connectionId, domainName, stage, requestId } = event.requestContext;
  startInvocation(logger, { connectionId, requestId });
  const endpoint = managementEndpoint(domainName, stage);
  return answerOrReplyWithError(event, { field: typeField, logger, post: connectionPoster(endpoint).asPost, timestamped: true, internalMessage: "Message could not be handled" }, async () => {
    const { outcome, item } = await takeConnectionToken(documents, connectionsBinding.tableName, connectionId, { ratePerSecond: limits.ratePerSecond, burst: limits.rateBurst });
    if (outcome === "not-connected" || !item) throw new NotConnectedError(`Connection ${connectionId} is not registered; reconnect`);
    if (outcome === "limited") throw new RateLimitedError(`More than ${limits.ratePerSecond} messages a second (burst ${limits.rateBurst}); slow down`);
    const request = parseChatRequest(event.body, typeField, limits.maxMessageLength);
    const connection = item as unknown as ChatConnection;
    await answer({ connection, connectionId, endpoint, now: new Date().toISOString() }, request);
    return { type: request.type };
  });
};
