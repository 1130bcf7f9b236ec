import { DeleteCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ROOM_ATTRIBUTE, USER_ATTRIBUTE, type ChatConnection } from "./chat-connection";
import { isConditionFailure } from "./condition-failure";
import { ConnectionStore } from "./connection-store";
import type { RoomDirectory } from "./chat-rooms";
import { indexOn, type TableBinding } from "./table-binding";

export interface Member {
  connectionId: string;
  userId: string;
  username: string;
}

/**
 * Which room each connection is in, and the rooms' counts that follow from it. Every change reads the previous room
 * from the same atomic write that changes it, so concurrent moves and removals count each membership exactly once.
 */
export class ChatMembership {
  private readonly store: ConnectionStore<ChatConnection>;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly connections: TableBinding,
    private readonly rooms: RoomDirectory,
  ) {
    this.store = new ConnectionStore<ChatConnection>(documents, connections);
    indexOn(connections, ROOM_ATTRIBUTE);
    indexOn(connections, USER_ATTRIBUTE);
  }

  /** Puts the connection in `roomId`; the room it was in (undefined for none), or "not-connected" when it has no record. */
  async move(connectionId: string, roomId: string): Promise<{ previous?: string } | "not-connected"> {
    let previous: string | undefined;
    try {
      const result = await this.documents.send(
        new UpdateCommand({
          TableName: this.connections.tableName,
          Key: { connectionId },
          UpdateExpression: "SET #room = :room",
          ConditionExpression: "attribute_exists(connectionId)",
          ExpressionAttributeNames: { "#room": ROOM_ATTRIBUTE },
          ExpressionAttributeValues: { ":room": roomId },
          ReturnValues: "UPDATED_OLD",
        }),
      );
      previous = result.Attributes?.[ROOM_ATTRIBUTE] as string | undefined;
    } catch (error) {
      if (isConditionFailure(error)) return "not-connected";
      throw error;
    }
    if (previous === roomId) return { previous };
    await this.rooms.join(roomId);
    if (previous !== undefined) await this.rooms.leave(previous);
    return { previous };
  }

  /** Takes the connection out of its room; the room it left, or undefined when it was in none. */
  async leave(connectionId: string): Promise<string | undefined> {
    let previous: string | undefined;
    try {
      const result = await this.documents.send(
        new UpdateCommand({
          TableName: this.connections.tableName,
          Key: { connectionId },
          UpdateExpression: "REMOVE #room",
          ConditionExpression: "attribute_exists(#room)",
          ExpressionAttributeNames: { "#room": ROOM_ATTRIBUTE },
          ReturnValues: "UPDATED_OLD",
        }),
      );
      previous = result.Attributes?.[ROOM_ATTRIBUTE] as string | undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
    if (previous !== undefined) await this.rooms.leave(previous);
    return previous;
  }

  /** Deletes the connection's record and its room membership; the record it had, undefined when it was already gone. */
  async remove(connectionId: string): Promise<Record<string, unknown> | undefined> {
    const result = await this.documents.send(
      new DeleteCommand({ TableName: this.connections.tableName, Key: { connectionId }, ReturnValues: "ALL_OLD" }),
    );
    const old = result.Attributes;
    if (typeof old?.[ROOM_ATTRIBUTE] === "string") await this.rooms.leave(old[ROOM_ATTRIBUTE]);
    return old;
  }

  /**
   * Removes, with its room membership, a connection that a post found gone (410), unless its record is so young that it
   * may still be connecting (ConnectionStore.removeGone); the record it had, or undefined when nothing was removed.
   */
  async removeGone(connectionId: string): Promise<ChatConnection | undefined> {
    const old = await this.store.removeGone(connectionId);
    if (typeof old?.[ROOM_ATTRIBUTE] === "string") await this.rooms.leave(old[ROOM_ATTRIBUTE]);
    return old;
  }

  /** The connections in a room, with their users, through the index on the room, every page. */
  async members(roomId: string): Promise<Member[]> {
    return this.queryIndex(ROOM_ATTRIBUTE, roomId);
  }

  /** Every connection of one user, through the index on the user. */
  async connectionsOf(userId: string): Promise<Member[]> {
    return this.queryIndex(USER_ATTRIBUTE, userId);
  }

  private async queryIndex(attribute: string, value: string): Promise<Member[]> {
    const records = await this.store.queryBy(attribute, value, [USER_ATTRIBUTE, "username"]);
    return records.map((record) => ({ connectionId: String(record.connectionId), userId: String(record.userId), username: String(record.username) }));
  }
}
