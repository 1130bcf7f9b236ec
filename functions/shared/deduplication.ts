import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** Remembers ids for a while, so that a twice-delivered event is acted on once. */
export class DeduplicationLedger {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly windowSeconds: number,
  ) {}

  /** True the first time an id is claimed within the window, false after. */
  async claim(id: string, now: Date = new Date()): Promise<boolean> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { chunkId: id, expiresAt: Math.floor(now.getTime() / 1000) + this.windowSeconds },
          ConditionExpression: "attribute_not_exists(chunkId)",
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error).name === "ConditionalCheckFailedException") {
        return false;
      }
      throw error;
    }
  }

  /** Gives a claim back, so that a retry after a failure can act. */
  async release(id: string): Promise<void> {
    await this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: { chunkId: id } }));
  }
}
