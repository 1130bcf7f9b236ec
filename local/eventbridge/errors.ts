/**
 * Errors the local EventBridge answers with, shaped as AWS's: a code (the `__type` on the wire), a message and the
 * HTTP status the real service uses.
 */
import { AwsServiceError } from "../protocol/aws-json";

export class EventBridgeError extends AwsServiceError {
  constructor(code: string, message: string, statusCode = 400) {
    super(code, message, statusCode);
    this.name = "EventBridgeError";
  }
}

export function validationError(message: string): EventBridgeError {
  return new EventBridgeError("ValidationException", message);
}

export function resourceNotFound(message: string): EventBridgeError {
  return new EventBridgeError("ResourceNotFoundException", message);
}

export function resourceAlreadyExists(message: string): EventBridgeError {
  return new EventBridgeError("ResourceAlreadyExistsException", message);
}
