import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { isConditionFailure } from "./condition-failure";
import { EnvironmentError } from "./env";
import { indexOn, type TableBinding } from "./table-binding";

/**
 * How long after its record is written a connection that answers 410 is taken to be still connecting, not gone. API
 * Gateway answers 410 to a post to a connection whose `$connect` has not returned yet, and `$connect` writes the record
 * before it returns, so a broadcast that finds the record in that window must leave it. A connection that really went
 * away that early is removed by its `$disconnect`, or else by the TTL.
 */
export const CONNECTING_GRACE_MS = 10_000;

/** What every stack's connection record has; each stack adds its own attributes (channel, room, gameId, status ...). */
export interface StoredConnection {
  connectionId: string;
  /** When `$connect` wrote the record: epoch milliseconds, or an ISO timestamp where the stack's seed says so. */
  connectedAt: number | string;
  /** Epoch seconds after which DynamoDB's TTL removes the record, written under the table's TTL attribute. */
  expiresAt: number;
}

/**
 * Open connections of one WebSocket API, keyed by connection id, listed through the indexes the table binding names.
 * The TTL attribute comes from the binding too: a record's `expiresAt` is written under it, whatever it is called.
 */
export class ConnectionStore<R extends StoredConnection> {
  private readonly ttlAttribute: string;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly binding: TableBinding,
  ) {
    if (!binding.ttlAttribute) {
      throw new EnvironmentError(`Connections table ${binding.tableName} (${binding.variable}) is bound without its TTL attribute`);
    }
    this.ttlAttribute = binding.ttlAttribute;
  }

  get tableName(): string {
    return this.binding.tableName;
  }

  async put(record: R): Promise<void> {
    await this.documents.send(new PutCommand({ TableName: this.tableName, Item: this.toItem(record) }));
  }

  async get(connectionId: string): Promise<R | undefined> {
    const result = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { connectionId }, ConsistentRead: true }));
    return result.Item ? this.fromItem(result.Item) : undefined;
  }

  async remove(connectionId: string): Promise<void> {
    await this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: { connectionId } }));
  }

  /**
   * Deletes the record of a connection that a post found gone (410) and returns it, unless the record is younger than
   * CONNECTING_GRACE_MS: that connection may still be in its `$connect` (see CONNECTING_GRACE_MS). `connectedAt` is
   * compared in either of its forms, epoch milliseconds or ISO. Undefined when there was no record or it is that young.
   */
  async removeGone(connectionId: string, now = Date.now()): Promise<R | undefined> {
    const before = now - CONNECTING_GRACE_MS;
    try {
      const result = await this.documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { connectionId },
          ConditionExpression: "attribute_not_exists(#connectedAt) OR #connectedAt < :beforeMs OR #connectedAt < :beforeIso",
          ExpressionAttributeNames: { "#connectedAt": "connectedAt" },
          ExpressionAttributeValues: { ":beforeMs": before, ":beforeIso": new Date(before).toISOString() },
          ReturnValues: "ALL_OLD",
        }),
      );
      return result.Attributes ? this.fromItem(result.Attributes) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** Sets some attributes of an existing record (a disconnect that keeps the record, a room change); false when there is none. */
  async update(connectionId: string, changes: Partial<Omit<R, "connectionId">>): Promise<boolean> {
    const entries = Object.entries(this.toItem(changes as Partial<R>)).filter(([, value]) => value !== undefined);
    if (entries.length === 0) return true;
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { connectionId },
          UpdateExpression: `SET ${entries.map((_, index) => `#a${index} = :v${index}`).join(", ")}`,
          ConditionExpression: "attribute_exists(connectionId)",
          ExpressionAttributeNames: Object.fromEntries(entries.map(([name], index) => [`#a${index}`, name])),
          ExpressionAttributeValues: Object.fromEntries(entries.map(([, value], index) => [`:v${index}`, value])),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Connection ids whose `attribute` is `value`, through the index on it, every page. */
  async listBy(attribute: string, value: string): Promise<string[]> {
    return (await this.queryBy(attribute, value, [])).map((record) => record.connectionId);
  }

  /** The records whose `attribute` is `value`, with `connectionId` and `attributes` only, through the index on it, every page. */
  async queryBy<K extends keyof R & string>(attribute: string, value: string, attributes: readonly K[]): Promise<Pick<R, "connectionId" | K>[]> {
    const index = indexOn(this.binding, attribute);
    const names = Object.fromEntries(attributes.map((name, position) => [`#p${position}`, name]));
    const records: Pick<R, "connectionId" | K>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index.name,
          KeyConditionExpression: "#key = :value",
          ExpressionAttributeNames: { "#key": attribute, ...names },
          ExpressionAttributeValues: { ":value": value },
          ProjectionExpression: ["connectionId", ...Object.keys(names)].join(", "),
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) records.push(item as Pick<R, "connectionId" | K>);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return records;
  }

  private toItem(record: Partial<R>): Record<string, unknown> {
    const { expiresAt, ...rest } = record;
    return expiresAt === undefined ? rest : { ...rest, [this.ttlAttribute]: expiresAt };
  }

  private fromItem(item: Record<string, unknown>): R {
    const { [this.ttlAttribute]: expiresAt, ...rest } = item;
    return { ...rest, expiresAt } as R;
  }
}
