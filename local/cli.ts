/**
 * `npm start`: runs the synthesized stacks on localhost (after `npm run synth`), prints the endpoints and writes
 * them to `.local/endpoints.json`. Ctrl-C stops everything.
 */
import { parseArgs } from "node:util";
import { join, relative } from "node:path";
import { writeEndpoints, type Endpoints } from "./endpoints";
import { startRuntime, type LocalRuntime } from "./runtime";

const USAGE = `Usage: npm start -- [--stacks a,b] [--port N] [--data DIR] [--ttl-sweep S]

  --stacks a,b   run only these stacks (default: every synthesized stack)
  --port N       first port to use; services and APIs take the ports after it (default 0: free ports)
  --data DIR     keep DynamoDB and S3 state, signing keys, and accepted events and queued invocations (resumed
                 after a crash) in DIR between runs (default: fresh state each run)
  --ttl-sweep S  seconds between sweeps for expired TTL items (default 5)`;

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join("  ").trimEnd()).join("\n");
}

function describeEndpoints(endpoints: Endpoints): string {
  const rows = [["stack", "what", "endpoint"]];
  for (const [stackId, stack] of Object.entries(endpoints.stacks)) {
    if (stack.websocket) rows.push([stackId, "websocket", stack.websocket.url]);
    if (stack.websocket?.apiKey) rows.push([stackId, "api key (x-api-key)", stack.websocket.apiKey]);
    if (stack.http) rows.push([stackId, "http", stack.http]);
    for (const [name, pool] of Object.entries(stack.userPools)) rows.push([stackId, `user pool ${name}`, `${pool.id} (client ${pool.clientId})`]);
    for (const [name, tableName] of Object.entries(stack.tables)) rows.push([stackId, `table ${name}`, tableName]);
    for (const [name, bucket] of Object.entries(stack.buckets)) rows.push([stackId, `bucket ${name}`, bucket]);
  }
  for (const [name, url] of Object.entries(endpoints.services)) rows.push(["", name, url]);
  return table(rows);
}

// The runtime's own SDK clients run on the developer's Node; the SDK's notice about Node 20 is not for this process.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  if (String(typeof warning === "string" ? warning : warning.message).startsWith("NodeVersionSupportWarning")) return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      stacks: { type: "string" },
      port: { type: "string" },
      data: { type: "string" },
      "ttl-sweep": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_000) {
    throw new Error(`--port must be a whole number from 0 to 65000, got "${values.port}"`);
  }
  const ttlSweepSeconds = values["ttl-sweep"] === undefined ? 5 : Number(values["ttl-sweep"]);
  if (!Number.isFinite(ttlSweepSeconds) || ttlSweepSeconds < 1) {
    throw new Error(`--ttl-sweep must be at least 1 second, got "${values["ttl-sweep"]}"`);
  }
  const projectRoot = process.cwd();
  // Signals are taken from the start: one that comes while the runtime starts stops it as soon as it is up.
  let runtime: LocalRuntime | undefined;
  let signalled: string | undefined;
  let stopped = false;
  const stop = async (signal: string) => {
    signalled ??= signal;
    if (!runtime || stopped) return;
    stopped = true;
    console.log(`\n${signal}: stopping ...`);
    await runtime.close();
    console.log("Stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  console.log("Starting the local runtime from cdktf.out ...");
  const started = await startRuntime({
    outDir: join(projectRoot, "cdktf.out"),
    stacks: values.stacks?.split(",").map((id) => id.trim()).filter(Boolean),
    port,
    dataDir: values.data,
    ttlSweepSeconds,
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
  });
  const notEmulated = Object.entries(started.notEmulated).map(([type, count]) => `${type} (${count})`);
  if (notEmulated.length > 0) {
    console.warn(`Warning: not emulated locally, so without effect here: ${notEmulated.join(", ")}`);
  }
  const file = writeEndpoints(join(projectRoot, ".local"), started.endpoints);
  console.log(`\n${describeEndpoints(started.endpoints)}\n`);
  console.log(`Tokens: POST ${started.endpoints.services.auth}/token {"userPoolId": "...", "username": "alice"}`);
  console.log(`Endpoints written to ${relative(projectRoot, file)}. Ready in ${Math.round(performance.now())} ms from process start; Ctrl-C stops.`);

  // The last line of defence: every front door guards its own failures, and one that still escapes is logged loudly
  // instead of taking every stack's services down with it.
  process.on("uncaughtException", (error) => console.error(`[runtime] internal error (please report it): ${error.stack ?? error.message}`));
  process.on("unhandledRejection", (reason) => console.error(`[runtime] internal error (please report it): ${(reason as Error)?.stack ?? String(reason)}`));
  runtime = started;
  if (signalled) await stop(signalled);
}

main().catch((error: Error) => {
  console.error(`Local runtime failed to start: ${error.message}`);
  process.exit(1);
});
