import { EnvironmentError } from "./env";

export interface BoundIndex {
  name: string;
  hashKey: string;
  rangeKey?: string;
}

/** A table as its binding (`NodeFunction.bindTable`) hands it to a function: its name, TTL attribute and indexes. */
export interface TableBinding {
  /** The variable the binding is read from, for messages. */
  variable: string;
  tableName: string;
  /** The attribute DynamoDB's TTL reads, in epoch seconds; undefined when the table has no TTL. */
  ttlAttribute?: string;
  indexes: readonly BoundIndex[];
}

const INDEX = /^([A-Za-z0-9_.-]{3,255}):([^:,\s]+)(?::([^:,\s]+))?$/;

/**
 * Reads the binding of a table from `${variable}` (the name), `${variable}_TTL_ATTRIBUTE` and `${variable}_INDEXES`
 * (`name:hashKey[:rangeKey]`, comma-separated), once, at cold start. `requires` names what the code cannot work
 * without, so that a function bound to the wrong table fails before its first invocation.
 */
export function readTableBinding(
  variable: string,
  requires: { ttl?: boolean; indexesOn?: readonly string[] } = {},
  env: NodeJS.ProcessEnv = process.env,
): TableBinding {
  const tableName = env[variable];
  if (!tableName) throw new EnvironmentError(`Environment variable ${variable} is not set`);
  const ttlAttribute = env[`${variable}_TTL_ATTRIBUTE`] || undefined;
  if (requires.ttl && !ttlAttribute) throw new EnvironmentError(`Environment variable ${variable}_TTL_ATTRIBUTE is not set: table ${tableName} is bound without its TTL attribute`);
  const indexes = (env[`${variable}_INDEXES`] ?? "")
    .split(",")
    .filter((entry) => entry !== "")
    .map((entry) => {
      const match = INDEX.exec(entry);
      if (!match) throw new EnvironmentError(`Environment variable ${variable}_INDEXES must list name:hashKey[:rangeKey], got "${entry}"`);
      return { name: match[1], hashKey: match[2], ...(match[3] ? { rangeKey: match[3] } : {}) };
    });
  const binding: TableBinding = { variable, tableName, ttlAttribute, indexes };
  for (const hashKey of requires.indexesOn ?? []) indexOn(binding, hashKey);
  return binding;
}

/** The index of a bound table keyed on `hashKey`; throws when the binding has none. */
export function indexOn(binding: TableBinding, hashKey: string): BoundIndex {
  const index = binding.indexes.find((candidate) => candidate.hashKey === hashKey);
  if (!index) {
    const known = binding.indexes.map((candidate) => `${candidate.name} (${candidate.hashKey})`).join(", ") || "none";
    throw new EnvironmentError(`Table ${binding.tableName} (${binding.variable}) has no index on ${hashKey}; its indexes: ${known}`);
  }
  return index;
}
