import { appendFileSync } from "node:fs";
import { join } from "node:path";
import type { LocalWebSocketApi } from "./apigateway/websocket-api";
import { apiGatewayService } from "./apigateway/service";
import { emptyStackEndpoints, type Endpoints } from "./endpoints";
import { eventBridgeService } from "./eventbridge/service";
import type { LocalEventBridge } from "./eventbridge/event-bus";
import type { DeadLetter } from "./eventbridge/target-delivery";
import type { AsyncFailure, LocalFunction } from "./functions/function-host";
import { buildStackModel, type StackModel } from "./model/stack-model";
import { readSynthesizedStacks } from "./model/terraform-config";
import { LocalCallers } from "./services/credentials";
import { lockDataFolder } from "./services/data-folder";
import { LOCAL_SERVICES } from "./services/registry";
import type { LocalService, RunningService, RuntimeContext, StackContext } from "./services/service";

export interface RuntimeOptions {
  /** Folder holding `stacks/<id>/cdk.tf.json`. */
  outDir: string;
  /** Stack ids to run. @default - all synthesized stacks */
  stacks?: string[];
  /** First port; the services and APIs take the ports after it. 0 lets the OS pick each. @default - 0 */
  port?: number;
  /** Keep DynamoDB and S3 state, the user pools' signing keys, and journals of accepted events and queued invocations here between runs. @default - fresh state */
  dataDir?: string;
  region?: string;
  account?: string;
  /** Seconds between TTL sweeps; an expired item is deleted at most this long after it expires. @default - 5 */
  ttlSweepSeconds?: number;
  /** Wait for one warm environment of every function and the signing keys before returning. @default - warm in the background */
  prewarm?: "wait" | "background";
  log?: (line: string) => void;
  /** The services to compose, in order. @default - the registry's, LOCAL_SERVICES */
  services?: readonly LocalService[];
}

export interface LocalRuntime {
  endpoints: Endpoints;
  models: StackModel[];
  functions: Map<string, LocalFunction>;
  webSocketApis: LocalWebSocketApi[];
  /** The EventBridge engine, when the composed services include it. */
  events?: LocalEventBridge;
  /** Failed asynchronous deliveries, in order: rule targets past their retries, and functions past theirs. */
  deadLetters: (DeadLetter | AsyncFailure)[];
  /** Types of resources the runtime does not emulate, with how many each stack has. */
  notEmulated: Record<string, number>;
  /** The local access keys the functions sign with, and whose each is. */
  callers: LocalCallers;
  /** Settles when every function has a warm environment and every pool its signing keys. */
  warm: Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs the synthesized stacks on localhost. It only composes the services of the registry: starts each, hands each
 * every stack, resumes what an earlier run left, and stops them in the reverse order (the gateways first, while every
 * function still runs, so that each open connection gets its `$disconnect`).
 */
export async function startRuntime(options: RuntimeOptions): Promise<LocalRuntime> {
  const region = options.region ?? "us-east-1";
  const account = options.account ?? "000000000000";
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  let nextPort = options.port ?? 0;
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
  };

  try {
    if (options.dataDir) {
      const release = lockDataFolder(options.dataDir);
      closers.push(async () => release());
    }
    const registry = options.services ?? LOCAL_SERVICES;
    const synthesized = readSynthesizedStacks(options.outDir, options.stacks);
    const settings = { region, account };
    const deadLetters: (DeadLetter | AsyncFailure)[] = [];
    const callers = new LocalCallers();
    const context: RuntimeContext = {
      region,
      account,
      dataDir: options.dataDir,
      log,
      ttlSweepSeconds: options.ttlSweepSeconds,
      takePort: () => (nextPort === 0 ? 0 : nextPort++),
      // A first pass finds what the services serve on their own ports; the second resolves to those URLs.
      models: synthesized.map((stack) => buildStackModel(stack, settings, registry)),
      functions: new Map(),
      callers,
      deadLetter: (entry, summary) => {
        deadLetters.push(entry);
        log(`[dead-letter] ${summary}`);
        if (options.dataDir) appendFileSync(join(options.dataDir, "dead-letters.jsonl"), `${JSON.stringify(entry)}\n`);
      },
    };

    const running = new Map<LocalService, RunningService>();
    for (const service of registry) {
      const started = await service.start(context);
      running.set(service, started);
      closers.push(() => started.close());
    }
    const services = [...running.values()];
    const models = synthesized.map((stack) =>
      buildStackModel(stack, { ...settings, localUrls: Object.assign({}, ...services.map((service) => service.localUrls?.[stack.id] ?? {})) }, registry),
    );
    const stacks: StackContext[] = models.map((model) => ({
      model,
      functionEnvironment: Object.assign({}, ...services.map((service) => service.functionEnvironment ?? {})),
      routes: Object.assign({}, ...services.map((service) => service.routes ?? {})),
    }));
    for (const stack of stacks) for (const service of services) await service.load?.(stack);
    // Resumed only now, so that every resumed delivery finds its function and every invocation its environment.
    let resumed = 0;
    for (const stack of stacks) for (const service of services) resumed += service.resume?.(stack) ?? 0;
    log(
      options.dataDir
        ? `[runtime] Accepted events and queued invocations are journaled in ${join(options.dataDir, "journal")}; ${resumed} resumed from the last run`
        : "[runtime] Accepted events and queued invocations are held in memory only and do not survive a restart (keep them with a data folder, --data DIR)",
    );
    for (const service of services) service.begin?.();
    log(`[runtime] ${services.flatMap((service) => service.summary?.() ?? []).join(", ")}; functions warming in the background`);

    // Warming (an environment per function, the pools' signing keys) goes on after ready; requests that come
    // first wait for it, as a cold start would.
    const warming = Promise.all(services.map((service) => service.warm?.())).then(() => undefined);
    if (options.prewarm === "wait") await warming;

    const notEmulated: Record<string, number> = {};
    for (const model of models) {
      for (const [type, count] of Object.entries(model.notEmulated)) notEmulated[type] = (notEmulated[type] ?? 0) + count;
    }
    const endpoints: Endpoints = {
      stacks: Object.fromEntries(models.map((model) => [model.id, Object.assign(emptyStackEndpoints(), ...services.map((service) => service.describe?.(model) ?? {}))])),
      services: Object.fromEntries(services.flatMap((service) => (service.endpoint ? [[service.endpoint.name, service.endpoint.url]] : []))),
    };
    const of = <Running extends RunningService>(service: LocalService<object, Running>) => running.get(service as LocalService) as Running | undefined;

    return {
      endpoints,
      models,
      functions: context.functions,
      webSocketApis: of(apiGatewayService)?.webSocketApis ?? [],
      events: of(eventBridgeService)?.engine,
      deadLetters,
      notEmulated,
      callers,
      warm: warming,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
