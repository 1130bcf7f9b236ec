/**
 * The front door of the local EventBridge: the JSON 1.1 protocol as the AWS SDKs send it
 * (`X-Amz-Target: AWSEvents.<Operation>`), on the front door every JSON-protocol service shares.
 */
import { startJsonProtocolService } from "../protocol/aws-json";
import type { Listening } from "../services/http-listener";
import type { LocalEventBridge } from "./event-bus";
import { EventBridgeError } from "./errors";
import { InvalidEventPatternError } from "./event-pattern";
import { operations } from "./operations";

export interface EventBridgeServiceOptions {
  /** 0 lets the OS pick a free port. */
  port?: number;
  host?: string;
  /** Guard against runaway requests; PutEvents' own limit is far below it. */
  maxBodyBytes?: number;
}

export type EventBridgeService = Listening;

export async function startEventBridgeService(engine: LocalEventBridge, options: EventBridgeServiceOptions = {}): Promise<EventBridgeService> {
  return startJsonProtocolService(
    {
      targetPrefix: "AWSEvents.",
      contentType: "application/x-amz-json-1.1",
      operations: Object.fromEntries(Object.entries(operations).map(([name, operation]) => [name, (input: Record<string, unknown>) => operation(engine, input)])),
      toServiceError: (error) => (error instanceof InvalidEventPatternError ? new EventBridgeError(error.code, error.message) : undefined),
      internalErrorCode: "InternalException",
      maxBodyBytes: options.maxBodyBytes,
    },
    options,
  );
}
