/**
 * Errors the local EventBridge answers with, shaped as AWS's: a code (the `__type` on the wire), a message and the
 * HTTP status the real service uses.
 */

export class EventBridgeError extends Error {
  constructor(readonly code: string, message: string, readonly statusCode = 400) {
    super(message);
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
