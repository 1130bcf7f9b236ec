/**
 * What the local EventBridge journals for each delivery job (one event to one rule's target), so that a job accepted
 * by PutEvents and not yet handed to its target survives a crash of the runtime and is delivered after the restart.
 */
import { Journal } from "../services/journal";
import type { EventBridgeEvent } from "./put-events";

/** A delivery job as journaled: the target by bus, rule and target id, since its invoker cannot be written down. */
export interface JournaledDelivery {
  event: EventBridgeEvent;
  busName: string;
  ruleName: string;
  targetId: string;
  targetArn: string;
  /** When PutEvents accepted the event (ms since the epoch): the maximum event age counts from here. */
  acceptedAt: number;
}

export type DeliveryJournal = Journal<JournaledDelivery>;

/** Opens the journal of delivery jobs at `path`; a line whose job is not readable counts as skipped. */
export function openDeliveryJournal(path: string): DeliveryJournal {
  return Journal.open<JournaledDelivery>(path, { parse: parseJournaledDelivery });
}

export function parseJournaledDelivery(payload: unknown): JournaledDelivery | undefined {
  if (typeof payload !== "object" || payload === null) return undefined;
  const { event, busName, ruleName, targetId, targetArn, acceptedAt } = payload as Record<string, unknown>;
  const strings = [busName, ruleName, targetId, targetArn].every((value) => typeof value === "string");
  const eventLike = typeof event === "object" && event !== null && typeof (event as { id?: unknown }).id === "string";
  if (!strings || !eventLike || typeof acceptedAt !== "number" || !Number.isFinite(acceptedAt)) return undefined;
  return payload as JournaledDelivery;
}
