import { join } from "node:path";

/**
 * Opens one of a stack's journals, `<dataDir>/journal/<stackId>/<file>`. A folder per stack keeps a run of some stacks
 * (`--stacks`) from taking another stack's pending work for work whose rule or function no longer exists.
 */
export function openStackJournal<Journal extends { path: string; skippedLines: number }>(
  dataDir: string,
  stackId: string,
  file: string,
  open: (path: string) => Journal,
  log: (line: string) => void,
): Journal {
  const journal = open(join(dataDir, "journal", stackId, file));
  if (journal.skippedLines > 0) log(`[runtime] Skipped ${journal.skippedLines} unreadable line(s) of ${journal.path}, such as one torn by a crash`);
  return journal;
}
