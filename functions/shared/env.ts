/** A required environment variable is missing or malformed; thrown at cold start so the function never runs half-configured. */
export class EnvironmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EnvironmentError";
  }
}

/** Reads the named variables once, failing on the first one that is missing or empty. */
export function readEnvironment<const K extends string>(
  names: readonly K[],
  env: NodeJS.ProcessEnv = process.env,
): Record<K, string> {
  const values = {} as Record<K, string>;
  for (const name of names) {
    const value = env[name];
    if (value === undefined || value === "") {
      throw new EnvironmentError(`Environment variable ${name} is not set`);
    }
    values[name] = value;
  }
  return values;
}

/** Parses a variable that must hold a positive whole number. */
export function positiveInteger(name: string, value: string): number {
  const parsed = /^[1-9][0-9]*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed)) {
    throw new EnvironmentError(`Environment variable ${name} must be a positive integer, got "${value}"`);
  }
  return parsed;
}

/** A positive whole number from `name`, or `fallback` when it is unset; a malformed value fails at cold start. */
export function positiveIntegerOr(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const value = env[name];
  return value === undefined || value === "" ? fallback : positiveInteger(name, value);
}
