import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  hostInspector,
  lockDataFolder,
  removeStaleLock,
  startTimeFromStat,
  type LockRecord,
  type ProcessInspector,
} from "../../local/services/data-folder";

const hasProc = existsSync("/proc/self/stat");
const dirs: string[] = [];
const children: ChildProcess[] = [];

const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), "data-folder-"));
  dirs.push(dir);
  return dir;
};

/** A live process that is no local runtime: what a lock's pid names after the pid was reused. */
function unrelatedProcess(): number {
  const child = spawn("sleep", ["30"], { stdio: "ignore" });
  children.push(child);
  return child.pid!;
}

/** The pid of a process that has already ended. */
function exitedPid(): number {
  return Number(spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" }).stdout.trim());
}

/** This process's start time read from /proc without the module, so a wrong parse there cannot hide here. */
function ownStartTime(): string {
  return readFileSync(`/proc/${process.pid}/stat`, "utf8").split(") ").pop()!.split(" ")[19]!;
}

const ownBootId = () => readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();

/** The lock this process would write for `dir`, with `overrides`. */
function recordFor(dir: string, overrides: Partial<LockRecord> = {}): LockRecord {
  return { pid: process.pid, startTime: ownStartTime(), bootId: ownBootId(), folder: realpathSync(dir), startedAt: new Date().toISOString(), ...overrides };
}

const lockFile = (dir: string) => join(dir, "runtime.lock");
const writeLock = (dir: string, content: LockRecord | string) => writeFileSync(lockFile(dir), typeof content === "string" ? content : JSON.stringify(content));
const heldPid = (dir: string) => (JSON.parse(readFileSync(lockFile(dir), "utf8")) as LockRecord).pid;

/** A host without /proc (macOS): only whether a pid is alive can be told. */
const livenessOnly: ProcessInspector = { isAlive: hostInspector.isAlive, startTime: () => undefined, bootId: () => undefined };

afterEach(() => {
  for (const child of children.splice(0)) child.kill();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("lockDataFolder", () => {
  it.runIf(hasProc)("records pid, start time, boot id and real folder, and removes the lock on release, when the folder is free", () => {
    // prepare
    const dir = folder();
    // act
    const release = lockDataFolder(dir);
    const held = JSON.parse(readFileSync(lockFile(dir), "utf8")) as LockRecord;
    release();
    // assess
    expect(held).toEqual({ pid: process.pid, startTime: ownStartTime(), bootId: ownBootId(), folder: realpathSync(dir), startedAt: expect.any(String) });
    expect(Date.parse(held.startedAt!)).toBeGreaterThan(Date.now() - 60_000);
    expect(existsSync(lockFile(dir))).toBe(false);
  });

  it("does refuse with the holder's pid when a live runtime holds the folder", () => {
    // prepare
    const dir = folder();
    const release = lockDataFolder(dir);
    // act
    const second = () => lockDataFolder(dir);
    // assess
    expect(second).toThrow(expect.objectContaining({ code: "DataFolderInUse", message: expect.stringContaining(`(pid ${process.pid})`) }));
    release();
  });

  it.runIf(hasProc)("refuses with the message when the lock names a live process with the start time and boot id it recorded", () => {
    // prepare: this very process, as another runtime would see it
    const dir = folder();
    writeLock(dir, recordFor(dir));
    // act
    const lock = () => lockDataFolder(dir);
    // assess
    expect(lock).toThrow(
      expect.objectContaining({
        code: "DataFolderInUse",
        message: `Data folder ${dir} is in use by another local runtime (pid ${process.pid}); stop it or choose another --data folder`,
      }),
    );
  });

  it.runIf(hasProc)("takes the lock over when its pid now names an unrelated live process with another start time", () => {
    // prepare
    const dir = folder();
    const reused = unrelatedProcess();
    writeLock(dir, recordFor(dir, { pid: reused, startTime: "1" }));
    // act
    const release = lockDataFolder(dir);
    // assess
    expect(heldPid(dir)).toBe(process.pid);
    release();
  });

  it.runIf(hasProc)("takes the lock over when it was written in an earlier boot", () => {
    // prepare
    const dir = folder();
    writeLock(dir, recordFor(dir, { bootId: "00000000-0000-0000-0000-000000000000" }));
    // act
    const release = lockDataFolder(dir);
    // assess
    expect(heldPid(dir)).toBe(process.pid);
    release();
  });

  it.runIf(hasProc)("takes the lock over when it was copied with a folder from another path", () => {
    // prepare
    const dir = folder();
    writeLock(dir, recordFor(dir, { folder: "/somewhere/else" }));
    // act
    const release = lockDataFolder(dir);
    // assess
    expect(heldPid(dir)).toBe(process.pid);
    release();
  });

  it.each([
    ["a record", (pid: number) => JSON.stringify({ pid, startedAt: new Date().toISOString() })],
    ["a bare pid, as older runtimes wrote", (pid: number) => String(pid)],
  ])("does take the lock over when the process that left %s has exited", (_name, content) => {
    // prepare
    const dir = folder();
    writeLock(dir, content(exitedPid()));
    // act
    const release = lockDataFolder(dir);
    // assess
    expect(heldPid(dir)).toBe(process.pid);
    release();
  });

  it.each([
    ["holds no pid", "garbage"],
    ["is empty", ""],
    ["is cut-off JSON", '{"pid": 12'],
    ["is a JSON array", "[1234]"],
    ["names the pid as a string", '{"pid": "1"}'],
    ["names pid 0, which would signal the process group", "0"],
    ["names a negative pid", '{"pid": -1}'],
    ["names a fractional pid", "1.5"],
    ["has a start time that is a number", `{"pid": ${process.pid}, "startTime": 5}`],
  ])("does take over a lock file that %s", (_name, content) => {
    // prepare
    const dir = folder();
    writeLock(dir, content);
    // act
    const release = lockDataFolder(dir);
    // assess
    expect(heldPid(dir)).toBe(process.pid);
    release();
  });

  it("refuses, naming the file to delete, when an older runtime's bare pid names a live process", () => {
    // prepare: the pid cannot be verified, so it is held while alive, as older runtimes judged it
    const dir = folder();
    const pid = unrelatedProcess();
    writeLock(dir, String(pid));
    // act
    const lock = () => lockDataFolder(dir);
    // assess
    expect(lock).toThrow(
      `Data folder ${dir} is in use by another local runtime (pid ${pid}); stop it or choose another --data folder (or, if pid ${pid} is no local runtime, delete ${lockFile(dir)})`,
    );
  });

  it("takes the lock over when an older runtime's bare pid names a live process but was written before this boot", () => {
    // prepare
    const dir = folder();
    writeLock(dir, String(unrelatedProcess()));
    utimesSync(lockFile(dir), new Date("2001-01-01T00:00:00Z"), new Date("2001-01-01T00:00:00Z"));
    // act
    const release = lockDataFolder(dir);
    // assess
    expect(heldPid(dir)).toBe(process.pid);
    release();
  });

  it("refuses on liveness alone when the host has no /proc to tell start times", () => {
    // prepare
    const dir = folder();
    const pid = unrelatedProcess();
    writeLock(dir, { pid, folder: realpathSync(dir), startedAt: new Date().toISOString() });
    // act
    const lock = () => lockDataFolder(dir, livenessOnly);
    // assess
    expect(lock).toThrow(expect.objectContaining({ code: "DataFolderInUse", message: expect.stringContaining(`(pid ${pid})`) }));
  });

  it("takes the lock over when the host has no /proc and the pid has exited", () => {
    // prepare
    const dir = folder();
    writeLock(dir, { pid: exitedPid(), folder: realpathSync(dir) });
    // act
    const release = lockDataFolder(dir, livenessOnly);
    // assess
    expect(heldPid(dir)).toBe(process.pid);
    release();
  });

  it("leaves the lock in place on release when another runtime has taken it over since", () => {
    // prepare
    const dir = folder();
    const release = lockDataFolder(dir);
    const theirs = JSON.stringify({ pid: unrelatedProcess(), startedAt: new Date().toISOString() });
    writeLock(dir, theirs);
    // act
    release();
    // assess
    expect(readFileSync(lockFile(dir), "utf8")).toBe(theirs);
  });
});

describe("removeStaleLock", () => {
  it("puts the lock back and reports false when another runtime replaced the stale lock after it was judged", () => {
    // prepare
    const dir = folder();
    writeLock(dir, "fresh lock of the runtime that won");
    // act
    const removed = removeStaleLock(lockFile(dir), "stale lock that was judged");
    // assess
    expect(removed).toBe(false);
    expect(readFileSync(lockFile(dir), "utf8")).toBe("fresh lock of the runtime that won");
    expect(readdirSync(dir)).toEqual(["runtime.lock"]);
  });

  it("removes the lock and reports true when it still holds what was judged stale", () => {
    // prepare
    const dir = folder();
    writeLock(dir, "stale");
    // act
    const removed = removeStaleLock(lockFile(dir), "stale");
    // assess
    expect(removed).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("startTimeFromStat", () => {
  it("reads field 22 when the command name holds spaces and parentheses", () => {
    // prepare: fields 3 to 21, then starttime, then the rest
    const stat = `4242 (a) b (c) ) S ${Array.from({ length: 18 }, (_, index) => index + 1).join(" ")} 987654 3133440 389 0\n`;
    // act
    const startTime = startTimeFromStat(stat);
    // assess
    expect(startTime).toBe("987654");
  });

  it("returns undefined when the line is cut short", () => {
    // prepare
    const stat = "4242 (sleep) S 1 2 3";
    // act
    const startTime = startTimeFromStat(stat);
    // assess
    expect(startTime).toBeUndefined();
  });

  it.runIf(hasProc)("reads a live process's start time from /proc when given its pid", () => {
    // prepare
    const pid = process.pid;
    // act
    const startTime = hostInspector.startTime(pid);
    // assess
    expect(startTime).toBe(ownStartTime());
    expect(startTime).toMatch(/^\d+$/);
  });
});
