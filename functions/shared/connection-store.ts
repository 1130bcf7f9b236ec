import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export interface ConnectionRecord {
  connectionId: string;
  channel: string;
  userId: string;
  username: string;
  /** Epoch milliseconds. */
  connectedAt: number;
  /** Epoch seconds after which DynamoDB's TTL removes the record. */
  expiresAt: number;
}

/** Open connections, keyed by connection id, listed by channel through an index. */
export class ConnectionStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly channelIndex?: string,
  ) {}

  async put(record: ConnectionRecord): Promise<void> {
    await this.documents.send(new PutCommand({ TableName: this.tableName, Item: record }));
  }

  async get(connectionId: string): Promise<ConnectionRecord | undefined> {
    const result = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { connectionId }, ConsistentRead: true }),
    );
    return result.Item as ConnectionRecord | undefined;
  }

  async remove(connectionId: string): Promise<void> {
    await this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: { connectionId } }));
  }

  /** Connection ids in a channel, every page of the index. */
  async listChannel(channel: string): Promise<string[]> {
    if (!this.channelIndex) {
      throw new Error(`Connection store of ${this.tableName} has no channel index`);
    }
    const ids: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: this.channelIndex,
          KeyConditionExpression: "channel = :channel",
          ExpressionAttributeValues: { ":channel": channel },
          ProjectionExpression: "connectionId",
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        ids.push(item.connectionId as string);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return ids;
  }
}

const CHANNEL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidChannel(channel: string): boolean {
  return CHANNEL_NAME.test(channel);
}
