import { randomUUID } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { uptime } from "node:os";
import { join } from "node:path";

export class DataFolderInUseError extends Error {
  readonly code = "DataFolderInUse";
}

/** What a lock file records of the runtime that holds the folder. */
export interface LockRecord {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks after boot), which tells this process from a later one with its pid. */
  startTime?: string;
  /** /proc/sys/kernel/random/boot_id at the time of locking: another id means the machine has rebooted since. */
  bootId?: string;
  /** The folder's real path, so a copy of the folder (lock file included) is not taken for the original. */
  folder?: string;
  /** When the lock was taken, for people reading the file. */
  startedAt?: string;
}

/** What this host can tell of a process: through /proc on Linux; elsewhere start time and boot id are undefined. */
export interface ProcessInspector {
  isAlive(pid: number): boolean;
  startTime(pid: number): string | undefined;
  bootId(): string | undefined;
}

/** The starttime field (22) of a /proc/<pid>/stat line; comm (field 2) may hold spaces and ")", so count after the last ")". */
export function startTimeFromStat(stat: string): string | undefined {
  const close = stat.lastIndexOf(")");
  if (close === -1) return undefined;
  const field = stat.slice(close + 2).split(" ")[22 - 3];
  return field !== undefined && /^\d+$/.test(field) ? field : undefined;
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

export const hostInspector: ProcessInspector = {
  isAlive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      // EPERM: the process exists but belongs to someone else.
      return (error as NodeJS.ErrnoException).code === "EPERM";
    }
  },
  startTime(pid) {
    const stat = readOrUndefined(`/proc/${pid}/stat`);
    return stat === undefined ? undefined : startTimeFromStat(stat);
  },
  bootId() {
    return readOrUndefined("/proc/sys/kernel/random/boot_id")?.trim() || undefined;
  },
};

/** The record of a lock file's text: a bare pid (what runtimes before the JSON record wrote), or undefined when garbled. */
function parseLock(text: string): (LockRecord & { format: "record" | "bare-pid" }) | undefined {
  if (/^\s*\d+\s*$/.test(text)) {
    const pid = Number(text.trim());
    return Number.isSafeInteger(pid) && pid > 0 ? { pid, format: "bare-pid" } : undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const { pid, startTime, bootId, folder, startedAt } = parsed as Record<string, unknown>;
  if (typeof pid !== "number" || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  const optional = [startTime, bootId, folder, startedAt];
  if (optional.some((value) => value !== undefined && typeof value !== "string")) return undefined;
  return { pid, startTime, bootId, folder, startedAt, format: "record" } as LockRecord & { format: "record" };
}

// uptime() has whole-second resolution and clock steps move the boot time it implies, so allow a minute.
const BOOT_TIME_MARGIN_MS = 60_000;

type LockJudgement = { held: true; pid: number; verified: boolean } | { held: false };

/**
 * Whether a lock file (its text and modification time) still holds `folder`. A lock is held while its pid is alive
 * and, where /proc tells, that pid is the same process (start time) of the same boot; a lock that cannot be verified
 * so (a bare pid, or no /proc) is held while its pid is alive, unless the file was written before this boot.
 */
function judgeLock(text: string, modifiedMs: number, folder: string, inspector: ProcessInspector): LockJudgement {
  const lock = parseLock(text);
  if (!lock) return { held: false };
  if (!inspector.isAlive(lock.pid)) return { held: false };
  if (lock.folder !== undefined && lock.folder !== folder) return { held: false };
  const bootId = lock.bootId === undefined ? undefined : inspector.bootId();
  if (bootId !== undefined && bootId !== lock.bootId) return { held: false };
  const startTime = lock.startTime === undefined ? undefined : inspector.startTime(lock.pid);
  if (startTime !== undefined && startTime !== lock.startTime) return { held: false };
  if (bootId !== undefined && startTime !== undefined) return { held: true, pid: lock.pid, verified: true };
  // Unverifiable (a bare pid from an older runtime, or no /proc): alive means held, as before, unless written before this boot.
  const bootedAtMs = Date.now() - uptime() * 1000;
  if (modifiedMs < bootedAtMs - BOOT_TIME_MARGIN_MS) return { held: false };
  return { held: true, pid: lock.pid, verified: false };
}

/** Creates `file` holding `text` only if no file is there, never visible half-written: a hard link of a full temporary file. */
function createExclusive(file: string, text: string): boolean {
  const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(temporary, text);
  try {
    linkSync(temporary, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS") throw error;
    // A filesystem without hard links: an exclusive create, whose content is written just after.
    try {
      writeFileSync(file, text, { flag: "wx" });
      return true;
    } catch (fallbackError) {
      if ((fallbackError as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw fallbackError;
    }
  } finally {
    rmSync(temporary, { force: true });
  }
}

/**
 * Removes the stale lock `file` if it still holds `judged`. It is moved aside first, atomically, so that of two runtimes
 * taking the same stale lock over only one removes it; if what was moved is no longer what was judged (another runtime
 * took over in between and wrote its own), it is put back. Returns whether the stale lock was removed.
 */
export function removeStaleLock(file: string, judged: string): boolean {
  const aside = `${file}.${process.pid}.${randomUUID()}.stale`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
  const moved = readOrUndefined(aside);
  if (moved !== judged) {
    try {
      linkSync(aside, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  rmSync(aside, { force: true });
  return moved === judged;
}

/**
 * Claims a `--data` folder for this process with a lock file recording which process holds it (pid, start time and
 * boot id) and for which folder. A second runtime on the same folder would otherwise find LevelDB locked and crash at
 * its first table operation; a stale lock (its process gone, or its pid reused by another process) is taken over.
 * Returns the release function, which removes the lock only if it is still this one.
 */
export function lockDataFolder(dir: string, inspector: ProcessInspector = hostInspector): () => void {
  mkdirSync(dir, { recursive: true });
  const folder = realpathSync(dir);
  const file = join(dir, "runtime.lock");
  const record: LockRecord = {
    pid: process.pid,
    startTime: inspector.startTime(process.pid),
    bootId: inspector.bootId(),
    folder,
    startedAt: new Date().toISOString(),
  };
  const text = `${JSON.stringify(record)}\n`;
  // Each pass either takes the lock, refuses, or removes one stale lock; a few suffice unless others keep racing.
  for (let attempt = 0; attempt < 10; attempt++) {
    if (createExclusive(file, text)) return () => releaseLock(file, text);
    const current = readOrUndefined(file);
    const modifiedMs = statOrUndefined(file);
    if (current === undefined || modifiedMs === undefined) continue;
    const judgement = judgeLock(current, modifiedMs, folder, inspector);
    if (judgement.held) {
      const unverified = judgement.verified ? "" : ` (or, if pid ${judgement.pid} is no local runtime, delete ${file})`;
      throw new DataFolderInUseError(
        `Data folder ${dir} is in use by another local runtime (pid ${judgement.pid}); stop it or choose another --data folder${unverified}`,
      );
    }
    removeStaleLock(file, current);
  }
  throw new DataFolderInUseError(`Data folder ${dir} could not be locked: its lock file ${file} kept changing`);
}

function statOrUndefined(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function releaseLock(file: string, text: string): void {
  if (readOrUndefined(file) === text) rmSync(file, { force: true });
}
