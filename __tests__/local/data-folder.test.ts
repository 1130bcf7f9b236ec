import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { lockDataFolder } from "../../local/services/data-folder";

const dirs: string[] = [];
const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), "data-folder-"));
  dirs.push(dir);
  return dir;
};

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("lockDataFolder", () => {
  it("does write this process's pid and remove the lock on release when the folder is free", () => {
    // prepare
    const dir = folder();
    // act
    const release = lockDataFolder(dir);
    const held = readFileSync(join(dir, "runtime.lock"), "utf8");
    release();
    // assess
    expect(held).toBe(String(process.pid));
    expect(existsSync(join(dir, "runtime.lock"))).toBe(false);
  });

  it("does take the lock over when the process that left it has exited", () => {
    // prepare: the pid of a process that has already ended
    const dir = folder();
    const gone = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" }).stdout.trim();
    writeFileSync(join(dir, "runtime.lock"), gone);
    // act
    const release = lockDataFolder(dir);
    // assess
    expect(readFileSync(join(dir, "runtime.lock"), "utf8")).toBe(String(process.pid));
    release();
  });

  it("does refuse with the holder's pid when a live process holds the folder", () => {
    // prepare
    const dir = folder();
    const release = lockDataFolder(dir);
    // act
    const second = () => lockDataFolder(dir);
    // assess
    expect(second).toThrow(expect.objectContaining({ code: "DataFolderInUse", message: expect.stringContaining(`(pid ${process.pid})`) }));
    release();
  });

  it("does take over a lock file that holds no pid", () => {
    // prepare
    const dir = folder();
    writeFileSync(join(dir, "runtime.lock"), "garbage");
    // act
    const release = lockDataFolder(dir);
    // assess
    expect(readFileSync(join(dir, "runtime.lock"), "utf8")).toBe(String(process.pid));
    release();
  });
});
