import { join } from "node:path";
import { openDeliveryJournal, type DeliveryJournal } from "../eventbridge/delivery-journal";
import { openInvocationJournal, type InvocationJournal } from "../functions/invocation-journal";

/** One stack's journals: its rules' delivery jobs and its functions' asynchronous invocations. */
export interface StackJournals {
  events: DeliveryJournal;
  invocations: InvocationJournal;
}

/**
 * Opens the journals of one stack in `<dataDir>/journal/<stackId>/`. A folder per stack keeps a run of some stacks
 * (`--stacks`) from taking another stack's pending work for work whose rule or function no longer exists.
 */
export function openStackJournals(dataDir: string, stackId: string, log: (line: string) => void): StackJournals {
  const dir = join(dataDir, "journal", stackId);
  const journals = { events: openDeliveryJournal(join(dir, "events.jsonl")), invocations: openInvocationJournal(join(dir, "invocations.jsonl")) };
  for (const journal of Object.values(journals)) {
    if (journal.skippedLines > 0) log(`[runtime] Skipped ${journal.skippedLines} unreadable line(s) of ${journal.path}, such as one torn by a crash`);
  }
  return journals;
}
