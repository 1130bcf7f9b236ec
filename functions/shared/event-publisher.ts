import { PutEventsCommand, type EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { PayloadTooLargeError, PublishFailedError } from "./errors";

/** EventBridge refuses entries over 256 KB. */
export const MAX_EVENT_ENTRY_BYTES = 256 * 1024;

export interface EventEntry {
  busName: string;
  source: string;
  detailType: string;
  detail: unknown;
}

/** Size of an entry as EventBridge counts it (Time counts 14 bytes). */
export function eventEntrySize(source: string, detailType: string, detail: string): number {
  return 14 + Buffer.byteLength(source) + Buffer.byteLength(detailType) + Buffer.byteLength(detail);
}

/** Publishes one event, failing with PublishFailedError when EventBridge refuses the entry itself. */
export async function publishEvent(client: EventBridgeClient, entry: EventEntry): Promise<string> {
  const detail = JSON.stringify(entry.detail);
  const size = eventEntrySize(entry.source, entry.detailType, detail);
  if (size > MAX_EVENT_ENTRY_BYTES) {
    throw new PayloadTooLargeError(`Event of ${size} bytes is over the EventBridge entry limit of ${MAX_EVENT_ENTRY_BYTES} bytes`);
  }
  let result;
  try {
    result = await client.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: entry.busName, Source: entry.source, DetailType: entry.detailType, Detail: detail }],
      }),
    );
  } catch (error) {
    throw new PublishFailedError(`Event bus ${entry.busName} refused the event: ${(error as Error).name}`);
  }
  const [outcome] = result.Entries ?? [];
  if ((result.FailedEntryCount ?? 0) > 0 || !outcome?.EventId) {
    throw new PublishFailedError(
      `Event bus ${entry.busName} refused the event: ${outcome?.ErrorCode ?? "no event id"} ${outcome?.ErrorMessage ?? ""}`.trim(),
    );
  }
  return outcome.EventId;
}
