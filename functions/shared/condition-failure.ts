import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";

/** Whether a DynamoDB write failed on its condition: the SDK's exception, or an error of that name from another copy of it. */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as Error).name === "ConditionalCheckFailedException";
}
