/**
 * Delivers one event to one target as EventBridge does: asynchronously, retrying failures with exponential backoff
 * and jitter until the retry policy's attempts or event age run out, then handing the event to the dead-letter
 * record (AWS defaults: 185 retries, 24 hours).
 */
import { sleep, type Clock } from "./clock";
import type { EventBridgeEvent } from "./put-events";

export const DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 185;
export const DEFAULT_MAXIMUM_EVENT_AGE_SECONDS = 86_400;

export type TargetInvoker = (event: EventBridgeEvent) => Promise<void>;

export interface DeliveryTarget {
  id: string;
  arn: string;
  invoke: TargetInvoker;
  maximumRetryAttempts: number;
  maximumEventAgeInSeconds: number;
  deadLetterArn?: string;
}

export interface DeliveryJob {
  event: EventBridgeEvent;
  busName: string;
  ruleName: string;
  ruleArn: string;
  target: DeliveryTarget;
  /** When PutEvents accepted the event (ms since the epoch); earlier than now for a job resumed after a restart. @default - now */
  acceptedAt?: number;
}

/** How a delivery ended: abandoned ones (the engine stopped) are the only ones still owed to their target. */
export type DeliveryOutcome = "delivered" | "dead-lettered" | "abandoned";

/** An event given up on; deadLetterArn is undefined when the target has none and the event was dropped. */
export interface DeadLetter {
  targetId: string;
  targetArn: string;
  busName: string;
  ruleName: string;
  ruleArn: string;
  deadLetterArn: string | undefined;
  event: EventBridgeEvent;
  errorMessage: string;
  attempts: number;
  /** TargetNotFound: a job resumed after a restart whose rule or target is no longer defined. */
  reason: "RetryAttemptsExhausted" | "MaximumEventAgeExceeded" | "TargetNotFound";
  /** ISO time of giving up. */
  at: string;
}

export interface Backoff {
  baseDelayMs: number;
  maxDelayMs: number;
  /** A number in [0, 1), for jitter. */
  random: () => number;
}

export interface DeliveryContext {
  clock: Clock;
  backoff: Backoff;
  /** Aborted when the engine stops: pending retries are abandoned. */
  signal: AbortSignal;
  onDeadLetter: (deadLetter: DeadLetter) => void;
}

/** Never rejects: failures end as a dead letter or, once stopped, are abandoned. */
export async function deliver(job: DeliveryJob, context: DeliveryContext): Promise<DeliveryOutcome> {
  const { clock, signal } = context;
  const acceptedAt = job.acceptedAt ?? clock.now();
  const maxAgeMs = job.target.maximumEventAgeInSeconds * 1000;
  // Targets run after PutEvents has answered, never inside it
  await Promise.resolve();
  if (clock.now() - acceptedAt > maxAgeMs) {
    return giveUp(job, context, `Event is older than the target's maximum event age of ${job.target.maximumEventAgeInSeconds} s`, 0, "MaximumEventAgeExceeded");
  }
  for (let attempt = 1; ; attempt++) {
    try {
      await job.target.invoke(structuredClone(job.event));
      return "delivered";
    } catch (error) {
      if (signal.aborted) return "abandoned";
      const errorMessage = messageOf(error);
      if (attempt > job.target.maximumRetryAttempts) {
        return giveUp(job, context, errorMessage, attempt, "RetryAttemptsExhausted");
      }
      const delay = retryDelay(attempt, context.backoff);
      if (clock.now() + delay - acceptedAt > maxAgeMs) {
        return giveUp(job, context, errorMessage, attempt, "MaximumEventAgeExceeded");
      }
      if (!(await sleep(clock, delay, signal))) return "abandoned";
    }
  }
}

/** Exponential from the base, capped, with "equal jitter": between half and all of the step. */
export function retryDelay(attempt: number, backoff: Backoff): number {
  const step = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** (attempt - 1));
  return step / 2 + (step / 2) * backoff.random();
}

function giveUp(
  job: DeliveryJob,
  context: DeliveryContext,
  errorMessage: string,
  attempts: number,
  reason: DeadLetter["reason"]
): "dead-lettered" {
  const deadLetter: DeadLetter = {
    targetId: job.target.id,
    targetArn: job.target.arn,
    busName: job.busName,
    ruleName: job.ruleName,
    ruleArn: job.ruleArn,
    deadLetterArn: job.target.deadLetterArn,
    event: job.event,
    errorMessage,
    attempts,
    reason,
    at: new Date(context.clock.now()).toISOString(),
  };
  try {
    context.onDeadLetter(deadLetter);
  } catch {
    // A failing listener must not turn into an unhandled rejection of the delivery
  }
  return "dead-lettered";
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
