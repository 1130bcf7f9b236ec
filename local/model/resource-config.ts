import type { Value } from "./expression";

const GENERIC_IDS = new Set(["table", "bucket", "function", "api", "pool", "resource", "default"]);

/**
 * A short name for a resource from its construct path (`game-voice/websocket/connections/table` -> `connections`),
 * or, when the JSON carries no metadata, from its Terraform name (`websocket_connections_table_2A6652F4`).
 */
export function logicalName(raw: Record<string, unknown>, terraformName: string): string {
  const path = (raw["//"] as { metadata?: { path?: string } } | undefined)?.metadata?.path;
  const segments = path ? path.split("/").slice(1) : terraformName.replace(/_[0-9A-F]{8}$/, "").split("_");
  while (segments.length > 1 && GENERIC_IDS.has(segments[segments.length - 1])) segments.pop();
  return (segments[segments.length - 1] ?? terraformName).replace(/-(bucket|table|pool)$/, "");
}

/** A number setting, or its default when the configuration leaves it out. */
export const num = (value: Value, fallback: number): number => (typeof value === "number" ? value : fallback);

/** A nested block: Terraform JSON writes one as a list of one, or as the object itself. */
export const single = <T>(value: unknown): T | undefined => (Array.isArray(value) ? (value[0] as T) : (value as T | undefined));
