/**
 * An append-only journal of accepted work, one JSON object a line: `{"op":"accepted","id":...,"payload":...}` when
 * work is accepted (again, with a newer payload, when its state changes) and `{"op":"done","id":...}` when it is
 * finished. What is accepted and not done is pending: what a restart resumes.
 *
 * Each record is appended synchronously before the caller answers. No fsync: the records must survive the process
 * (kill -9, a crash), and the kernel's page cache outlives the process; surviving a power cut is not the aim.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export interface JournalEntry<T> {
  id: string;
  payload: T;
}

export interface JournalOptions<T> {
  /** Checks a payload read back from the file; undefined makes its line count as unreadable. @default - any JSON value */
  parse?: (payload: unknown) => T | undefined;
  /** Done records after which the file is rewritten to its pending entries (and never before as many as are pending). @default - 500 */
  compactAfterDone?: number;
}

export class Journal<T> {
  /** Lines that could not be read when the journal was opened: a torn last line from a crash mid-append, or garbage. */
  readonly skippedLines: number;
  private readonly entries = new Map<string, T>();
  private readonly compactAfterDone: number;
  private doneSinceCompaction = 0;

  /** Opens (or creates) the journal at `path`, replays it and rewrites it to its pending entries. */
  static open<T>(path: string, options: JournalOptions<T> = {}): Journal<T> {
    return new Journal<T>(path, options);
  }

  private constructor(
    readonly path: string,
    options: JournalOptions<T>,
  ) {
    const compactAfterDone = options.compactAfterDone ?? 500;
    if (!Number.isInteger(compactAfterDone) || compactAfterDone < 1) {
      throw new Error(`Journal compactAfterDone must be a positive integer, got ${compactAfterDone}`);
    }
    this.compactAfterDone = compactAfterDone;
    mkdirSync(dirname(path), { recursive: true });
    this.skippedLines = this.replay(options.parse ?? ((payload) => payload as T));
    // Rewriting at open also drops a torn last line, so the next record starts on a line of its own.
    this.compact();
  }

  /** Entries accepted and not done, in the order they were first accepted. */
  pending(): JournalEntry<T>[] {
    return [...this.entries].map(([id, payload]) => ({ id, payload }));
  }

  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** Records `id` as accepted with `payload`, replacing the payload of a pending entry of the same id. */
  accept(id: string, payload: T): void {
    this.append({ op: "accepted", id, payload });
    this.entries.set(id, payload);
  }

  /** Records `id` as done; an id that is not pending is ignored. */
  done(id: string): void {
    if (!this.entries.has(id)) return;
    this.append({ op: "done", id });
    this.entries.delete(id);
    this.doneSinceCompaction++;
    // Waiting for as many done records as there are pending entries keeps rewriting linear in the work journaled.
    if (this.doneSinceCompaction >= Math.max(this.compactAfterDone, this.entries.size)) this.compact();
  }

  private append(record: { op: "accepted"; id: string; payload: T } | { op: "done"; id: string }): void {
    appendFileSync(this.path, `${JSON.stringify(record)}\n`);
  }

  /** Write-then-rename, so that a crash mid-rewrite leaves the old file whole. */
  private compact(): void {
    const temporary = `${this.path}.compacting`;
    const lines = [...this.entries].map(([id, payload]) => `${JSON.stringify({ op: "accepted", id, payload })}\n`);
    writeFileSync(temporary, lines.join(""));
    renameSync(temporary, this.path);
    this.doneSinceCompaction = 0;
  }

  private replay(parse: (payload: unknown) => T | undefined): number {
    if (!existsSync(this.path)) return 0;
    let skipped = 0;
    for (const line of readFileSync(this.path, "utf8").split("\n")) {
      if (line.trim() === "") continue;
      const record = parseRecord(line);
      if (record?.op === "done") {
        this.entries.delete(record.id);
        continue;
      }
      const payload = record ? parse(record.payload) : undefined;
      if (record === undefined || payload === undefined) {
        skipped++;
        continue;
      }
      this.entries.set(record.id, payload);
    }
    return skipped;
  }
}

function parseRecord(line: string): { op: "accepted"; id: string; payload: unknown } | { op: "done"; id: string } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { op, id, payload } = value as Record<string, unknown>;
  if (typeof id !== "string" || id === "") return undefined;
  if (op === "done") return { op, id };
  if (op === "accepted" && payload !== undefined) return { op, id, payload };
  return undefined;
}
