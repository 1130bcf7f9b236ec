import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export class DataFolderInUseError extends Error {
  readonly code = "DataFolderInUse";
}

/**
 * Claims a `--data` folder for this process with a lock file holding its pid. A second runtime on the same folder
 * would otherwise find LevelDB locked and crash at its first table operation; a lock left by a process that has since
 * died is taken over. Returns the release function.
 */
export function lockDataFolder(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "runtime.lock");
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number(readFileSync(file, "utf8").trim());
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
        throw new DataFolderInUseError(`Data folder ${dir} is in use by another local runtime (pid ${holder}); stop it or choose another --data folder`);
      }
      rmSync(file, { force: true });
    }
  }
  return () => rmSync(file, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
