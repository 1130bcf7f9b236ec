/** Checks every system stack makes of the settings they all share, with the same messages. */

/** A prefix that fits every resource name it starts (the shortest AWS limits leave 31 characters for it). */
export function checkNamePrefix(prefix: string): string {
  if (!/^[a-z][a-z0-9-]{1,30}$/.test(prefix)) {
    throw new Error(`Name prefix must be 2-31 lowercase letters, digits or hyphens, got "${prefix}"`);
  }
  return prefix;
}

/** A connection record's TTL, which must outlive API Gateway's 2-hour connection limit or records vanish under live connections. */
export function checkConnectionTtl(seconds: number): number {
  if (seconds < 7_200) {
    throw new Error(`Connection TTL must outlive the 2-hour connection limit (7200 s), got ${seconds}`);
  }
  return seconds;
}
