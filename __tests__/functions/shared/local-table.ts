/**
 * One table in a real DynamoDB implementation (dynalite, as the local runtime runs it), for tests that need condition
 * expressions evaluated rather than echoed back by a mock. Not a test file itself.
 */
import { CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { startDynamoDb, type LocalDynamoDb } from "../../../local/dynamodb/dynalite";

export interface LocalTable {
  dynamo: LocalDynamoDb;
  documents: DynamoDBDocumentClient;
}

/** Starts dynalite and creates an on-demand table keyed by the string attribute `hashKey`. */
export async function startLocalTable(tableName: string, hashKey: string): Promise<LocalTable> {
  const dynamo = await startDynamoDb({ region: "us-east-1" });
  await dynamo.client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: hashKey, AttributeType: "S" }],
      KeySchema: [{ AttributeName: hashKey, KeyType: "HASH" }],
    }),
  );
  return { dynamo, documents: DynamoDBDocumentClient.from(dynamo.client) };
}
