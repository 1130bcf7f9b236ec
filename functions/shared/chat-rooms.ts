import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { isConditionFailure } from "./condition-failure";
import { indexOn, type TableBinding } from "./table-binding";

/**
 * The attribute of the rooms table's sparse index: set to {@link LISTED_VALUE} while a room has members and removed
 * when its count reaches 0, so listing the rooms with members is one Query on one partition of that index.
 */
export const LISTED_ATTRIBUTE = "listed";
export const LISTED_VALUE = "rooms";

export interface RoomSummary {
  roomId: string;
  members: number;
}

/** Member counts of chat rooms, kept with atomic updates (`ADD`), keyed by `roomId`. */
export class RoomDirectory {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly binding: TableBinding,
  ) {
    indexOn(binding, LISTED_ATTRIBUTE);
  }

  async join(roomId: string): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.binding.tableName,
        Key: { roomId },
        UpdateExpression: "ADD members :one SET #listed = :listed",
        ExpressionAttributeNames: { "#listed": LISTED_ATTRIBUTE },
        ExpressionAttributeValues: { ":one": 1, ":listed": LISTED_VALUE },
      }),
    );
  }

  /** One member fewer; the room leaves the listing when none is left (unless someone joined in between). */
  async leave(roomId: string): Promise<void> {
    let remaining: number;
    try {
      const result = await this.documents.send(
        new UpdateCommand({
          TableName: this.binding.tableName,
          Key: { roomId },
          UpdateExpression: "ADD members :minusOne",
          ConditionExpression: "members > :zero",
          ExpressionAttributeValues: { ":minusOne": -1, ":zero": 0 },
          ReturnValues: "UPDATED_NEW",
        }),
      );
      remaining = Number(result.Attributes?.members ?? 0);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      remaining = 0;
    }
    if (remaining > 0) return;
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.binding.tableName,
          Key: { roomId },
          UpdateExpression: "REMOVE #listed",
          ConditionExpression: "attribute_not_exists(members) OR members <= :zero",
          ExpressionAttributeNames: { "#listed": LISTED_ATTRIBUTE },
          ExpressionAttributeValues: { ":zero": 0 },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** Rooms with at least one member, through the sparse index, every page. */
  async listWithMembers(): Promise<RoomSummary[]> {
    const index = indexOn(this.binding, LISTED_ATTRIBUTE);
    const rooms: RoomSummary[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.binding.tableName,
          IndexName: index.name,
          KeyConditionExpression: "#listed = :listed",
          ExpressionAttributeNames: { "#listed": LISTED_ATTRIBUTE },
          ExpressionAttributeValues: { ":listed": LISTED_VALUE },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const members = Number(item.members ?? 0);
        if (members > 0) rooms.push({ roomId: String(item.roomId), members });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return rooms.sort((a, b) => (a.roomId < b.roomId ? -1 : a.roomId > b.roomId ? 1 : 0));
  }
}
