/**
 * Errors the local auth service answers with, shaped as Amazon Cognito's: a code (the `__type` on the wire), a
 * message and the HTTP status. The Cognito API reference gives 400 for every client error of its JSON API,
 * ResourceNotFoundException included.
 */
import { AwsServiceError } from "../protocol/aws-json";

export class CognitoError extends AwsServiceError {
  constructor(code: string, message: string, statusCode = 400) {
    super(code, message, statusCode);
    this.name = "CognitoError";
  }
}

export function invalidParameter(message: string): CognitoError {
  return new CognitoError("InvalidParameterException", message);
}

export function resourceNotFound(message: string, statusCode = 400): CognitoError {
  return new CognitoError("ResourceNotFoundException", message, statusCode);
}

/** What AWS JSON APIs answer when the body cannot be read as the operation's input (bad JSON, wrong JSON types). */
export function serialization(message: string): CognitoError {
  return new CognitoError("SerializationException", message);
}
