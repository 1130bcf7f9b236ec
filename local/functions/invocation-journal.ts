/**
 * What the function host journals for each asynchronous invocation it has accepted, so that one queued or running
 * when the runtime dies is invoked again after the restart, with the same request id, as Lambda's own retries are.
 */
import { Journal } from "../services/journal";
import type { AsyncFailure, LocalFunction } from "./function-host";

export interface QueuedInvocation {
  functionName: string;
  requestId: string;
  event: unknown;
  /** Attempts that ended in an error; one cut short by a crash or a shutdown does not count. */
  attempts: number;
  /** When invokeAsync accepted it (ms since the epoch): the maximum event age counts from here. */
  queuedAt: number;
}

export type InvocationJournal = Journal<QueuedInvocation>;

/** Opens the journal of asynchronous invocations at `path`; a line whose invocation is not readable counts as skipped. */
export function openInvocationJournal(path: string): InvocationJournal {
  return Journal.open<QueuedInvocation>(path, { parse: parseQueuedInvocation });
}

/** Function name and request id: request ids are unique, but nothing stops a caller from reusing one for another function. */
export function invocationKey(invocation: Pick<QueuedInvocation, "functionName" | "requestId">): string {
  return `${invocation.functionName}:${invocation.requestId}`;
}

export function parseQueuedInvocation(payload: unknown): QueuedInvocation | undefined {
  if (typeof payload !== "object" || payload === null) return undefined;
  const { functionName, requestId, event, attempts, queuedAt } = payload as Record<string, unknown>;
  if (typeof functionName !== "string" || typeof requestId !== "string" || !("event" in payload)) return undefined;
  if (!Number.isInteger(attempts) || (attempts as number) < 0 || typeof queuedAt !== "number" || !Number.isFinite(queuedAt)) return undefined;
  return { functionName, requestId, event, attempts: attempts as number, queuedAt };
}

/**
 * Re-queues every invocation the journal holds on its function (each function takes its own from the journal it was
 * given). One whose function is no longer defined is reported as a failure, so it stays on record, and marked done.
 * Returns how many were re-queued.
 */
export function resumeInvocations(
  journal: InvocationJournal,
  functions: readonly LocalFunction[],
  onGone: (failure: AsyncFailure) => void,
): number {
  const names = new Set(functions.map((fn) => fn.name));
  let resumed = 0;
  for (const fn of functions) resumed += fn.resume();
  for (const { id, payload } of journal.pending()) {
    if (names.has(payload.functionName)) continue;
    onGone({
      functionName: payload.functionName,
      requestId: payload.requestId,
      event: payload.event,
      error: { errorType: "ResourceNotFoundException", errorMessage: `Function ${payload.functionName} is no longer defined` },
      attempts: payload.attempts,
      at: new Date().toISOString(),
    });
    journal.done(id);
  }
  return resumed;
}
