import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** One stack's entry in `endpoints.json`: where a client finds what the stack runs. */
export interface StackEndpoints {
  websocket: { url: string; apiKey: string | null } | null;
  http: string | null;
  tables: Record<string, string>;
  buckets: Record<string, string>;
  userPools: Record<string, { id: string; clientId: string | null }>;
  /** Local credentials of the IAM roles a user may act as (a game server signing requests); none of today's stacks has one. */
  roles: Record<string, { accessKeyId: string; secretAccessKey: string; sessionToken: string }>;
}

/** The local runtime contract (`.local/endpoints.json`): every stack's endpoints, and every service by its AWS endpoint name. */
export interface Endpoints {
  stacks: Record<string, StackEndpoints>;
  services: Record<string, string>;
}

/** A stack's entry before any service has described its part. */
export function emptyStackEndpoints(): StackEndpoints {
  return { websocket: null, http: null, tables: {}, buckets: {}, userPools: {}, roles: {} };
}

/** Writes `endpoints.json` into `dir` as the local runtime contract describes it. */
export function writeEndpoints(dir: string, endpoints: Endpoints): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "endpoints.json");
  writeFileSync(path, `${JSON.stringify(endpoints, null, 2)}\n`);
  return path;
}
