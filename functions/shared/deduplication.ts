import { DeleteCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { isConditionFailure } from "./condition-failure";
import { EnvironmentError } from "./env";
import type { TableBinding } from "./table-binding";

/**
 * Remembers ids for a while, so that a twice-delivered event is acted on once. A claim records the invocation that
 * holds it (the Lambda request id, which stays the same across the retries of one asynchronous invocation) and, once
 * the work is done, that it finished: an invocation that died between claiming and finishing can take its claim again
 * when it is retried or resumed, and a second delivery of the same event, under another request id, cannot.
 */
export class DeduplicationLedger {
  private readonly tableName: string;
  private readonly ttlAttribute: string;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    table: TableBinding,
    private readonly windowSeconds: number,
  ) {
    if (!table.ttlAttribute) throw new EnvironmentError(`De-duplication table ${table.tableName} (${table.variable}) is bound without its TTL attribute`);
    this.tableName = table.tableName;
    this.ttlAttribute = table.ttlAttribute;
  }

  /**
   * True when the invocation `requestId` may act on `id`: the id is new within the window, or this same invocation
   * claimed it and has not finished. False for any other invocation, and for this one once it has finished.
   */
  async claim(id: string, requestId: string, now: Date = new Date()): Promise<boolean> {
    return this.conditionally(() =>
      this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { chunkId: id, claimedBy: requestId, [this.ttlAttribute]: epochSeconds(now) + this.windowSeconds },
          ConditionExpression: "attribute_not_exists(chunkId) OR (claimedBy = :requestId AND attribute_not_exists(finishedAt))",
          ExpressionAttributeValues: { ":requestId": requestId },
        }),
      ),
    );
  }

  /** Marks the work on `id` as finished, so that it counts as a duplicate from now on; false when `requestId` no longer holds the claim. */
  async finish(id: string, requestId: string, now: Date = new Date()): Promise<boolean> {
    return this.conditionally(() =>
      this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { chunkId: id },
          UpdateExpression: "SET finishedAt = :now",
          ConditionExpression: "claimedBy = :requestId",
          ExpressionAttributeValues: { ":requestId": requestId, ":now": epochSeconds(now) },
        }),
      ),
    );
  }

  /** Gives an unfinished claim of `requestId` back, so that a retry after a failure can act; another's claim is left alone. */
  async release(id: string, requestId: string): Promise<void> {
    await this.conditionally(() =>
      this.documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { chunkId: id },
          ConditionExpression: "claimedBy = :requestId AND attribute_not_exists(finishedAt)",
          ExpressionAttributeValues: { ":requestId": requestId },
        }),
      ),
    );
  }

  /** True when the write was made, false when its condition did not hold. */
  private async conditionally(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
