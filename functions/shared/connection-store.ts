import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { EnvironmentError } from "./env";
import { indexOn, type TableBinding } from "./table-binding";

/** What every stack's connection record has; each stack adds its own attributes (channel, room, gameId, status ...). */
export interface StoredConnection {
  connectionId: string;
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
      if (error instanceof ConditionalCheckFailedException || (error as Error).name === "ConditionalCheckFailedException") return false;
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
