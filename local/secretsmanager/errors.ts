/** Errors the local Secrets Manager answers with, in its words and with its status codes. */
import { AwsServiceError } from "../protocol/aws-json";

export const secretNotFound = () => new AwsServiceError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");

export const versionNotFound = (what: string) => new AwsServiceError("ResourceNotFoundException", `Secrets Manager can't find the specified secret value for ${what}`);

export const invalidParameter = (message: string) => new AwsServiceError("InvalidParameterException", message);

export const invalidRequest = (message: string) => new AwsServiceError("InvalidRequestException", message);

export const accessDenied = (who: string, action: string, secretId: string) =>
  new AwsServiceError(
    "AccessDeniedException",
    `User: ${who} is not authorized to perform: secretsmanager:${action} on resource: ${secretId} because the local runtime lets a stack's functions reach only that stack's secrets`,
  );
