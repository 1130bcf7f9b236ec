import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { FunctionModel } from "./service";
import { invocationKey, type InvocationJournal, type QueuedInvocation } from "./invocation-journal";

const WORKER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "worker.mjs");

export interface FunctionError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

export type InvokeResult = { ok: true; result: unknown; durationMs: number } | { ok: false; error: FunctionError; durationMs: number };

/** The function is at its concurrency limit (Lambda answers 429 TooManyRequestsException). */
export class TooManyRequestsError extends Error {
  readonly code = "TooManyRequestsException";
}

export interface AsyncFailure {
  functionName: string;
  requestId: string;
  event: unknown;
  error: FunctionError;
  attempts: number;
  destination?: string;
  at: string;
}

export interface FunctionHostOptions {
  /** Environment of the function: its own resolved variables plus the runtime's endpoint variables. */
  environment: Record<string, string>;
  /** Hosts the function's HTTPS requests are sent to locally (host or host:port -> http base URL). */
  routes: Record<string, string>;
  /** Where the function's log lines go, already prefixed with its name. */
  log?: (line: string) => void;
  /**
   * Environments kept at most when no reserved concurrency is set: every environment shares the machine's cores, so
   * more than there are cores only adds cold starts under a backlog. @default - os.availableParallelism()
   */
  maxConcurrency?: number;
  /** An environment idle this long is stopped, down to one per function, as Lambda reclaims idle ones. @default - 10000 */
  environmentIdleMs?: number;
  /** Asynchronous invocation settings from the function's event invoke config. */
  asyncInvocation?: { maximumRetryAttempts: number; maximumEventAgeInSeconds: number; onFailureDestination?: string };
  /** Delay before an asynchronous retry; Lambda waits about a minute, locally it is shorter. @default - 200 */
  asyncRetryDelayMs?: number;
  /** Where asynchronous invocations are journaled until done, so that they survive a restart. @default - held in memory only */
  journal?: InvocationJournal;
}

interface Environment {
  worker: Worker;
  ready: Promise<void>;
  busy: boolean;
  /** Loaded, or failed to load: either way an invocation can take it (and learn which). */
  settled: boolean;
  idleSince: number;
  pending?: { id: string; resolve: (result: InvokeResult) => void; started: number; timer: NodeJS.Timeout };
}

/** One Lambda function run locally: a pool of worker-thread environments, each loading the built bundle once. */
export class LocalFunction extends EventEmitter {
  readonly name: string;
  readonly arn: string;
  private readonly environments: Environment[] = [];
  private readonly waiting: (() => void)[] = [];
  private readonly limit: number;
  private readonly reaper: NodeJS.Timeout;
  private readonly log: (line: string) => void;
  private closed = false;
  /** Moving averages of a warm invocation's run and of an environment's load, for choosing between waiting and starting. */
  private runMs?: number;
  private loadMs?: number;

  constructor(
    private readonly model: FunctionModel,
    private readonly options: FunctionHostOptions,
  ) {
    super();
    this.name = model.name;
    this.arn = model.arn;
    this.limit = model.reservedConcurrency ?? options.maxConcurrency ?? Math.max(1, availableParallelism());
    this.log = options.log ?? ((line) => process.stdout.write(`${line}\n`));
    const idleMs = options.environmentIdleMs ?? 10_000;
    this.reaper = setInterval(() => this.reapIdle(idleMs), Math.max(100, idleMs / 2));
    this.reaper.unref();
  }

  /** Environments currently running, warm or busy. */
  get environmentCount(): number {
    return this.environments.length;
  }

  private reapIdle(idleMs: number): void {
    const now = Date.now();
    for (const environment of [...this.environments]) {
      if (this.environments.length <= 1) return;
      if (!environment.busy && environment.settled && now - environment.idleSince > idleMs) {
        this.environments.splice(this.environments.indexOf(environment), 1);
        void environment.worker.terminate();
      }
    }
  }

  /** Invokes and waits for the result (RequestResponse); throws TooManyRequestsError past reserved concurrency. */
  async invoke(event: unknown, requestId: string = randomUUID()): Promise<InvokeResult> {
    if (this.closed) throw new Error(`Function ${this.name} is shut down`);
    const environment = await this.acquire(this.model.reservedConcurrency !== undefined);
    return this.run(environment, event, requestId);
  }

  /**
   * Queues an asynchronous invocation (Event): retried per the event invoke config, then recorded as a failure.
   * With a journal, it is journaled before this returns and marked done once it succeeded or its failure was emitted.
   */
  invokeAsync(event: unknown, requestId: string = randomUUID()): void {
    const queued: QueuedInvocation = { functionName: this.name, requestId, event, attempts: 0, queuedAt: Date.now() };
    this.options.journal?.accept(invocationKey(queued), queued);
    this.runQueued(queued);
  }

  /**
   * Re-queues this function's invocations that its journal holds from an earlier run: the same request id (Lambda
   * keeps it across the retries of one asynchronous invocation), the attempts that ended in an error so far, and the
   * original queue time for the maximum event age. One that was running when the runtime died runs again: at least once.
   * Returns how many were re-queued.
   */
  resume(): number {
    const mine = (this.options.journal?.pending() ?? []).filter((entry) => entry.payload.functionName === this.name);
    for (const { payload } of mine) this.runQueued(payload);
    return mine.length;
  }

  private runQueued(queued: QueuedInvocation): void {
    const async = this.options.asyncInvocation ?? { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 21_600 };
    const { event, requestId, queuedAt } = queued;
    const maxAgeMs = async.maximumEventAgeInSeconds * 1000;
    const fail = (error: FunctionError, attempts: number) => {
      const failure: AsyncFailure = { functionName: this.name, requestId, event, error, attempts, destination: async.onFailureDestination, at: new Date().toISOString() };
      this.emit("async-failure", failure);
      this.journalLater(queued, (journal, key) => journal.done(key));
    };
    const attempt = async (number: number): Promise<void> => {
      if (this.closed) return;
      const result = await this.run(await this.acquire(false), event, requestId);
      // Cut short by shutdown: not an attempt that ended, and still journaled for the next start.
      if (this.closed) return;
      if (result.ok) return this.journalLater(queued, (journal, key) => journal.done(key));
      const tooOld = Date.now() - queuedAt > maxAgeMs;
      if (number <= async.maximumRetryAttempts && !tooOld) {
        this.journalLater(queued, (journal, key) => journal.accept(key, { ...queued, attempts: number }));
        setTimeout(() => void attempt(number + 1), this.options.asyncRetryDelayMs ?? 200).unref();
        return;
      }
      fail(result.error, number);
    };
    const age = Date.now() - queuedAt;
    if (age > maxAgeMs) {
      fail({ errorType: "EventAgeExceeded", errorMessage: `Event of age ${Math.round(age / 1000)} s is past the maximum event age of ${async.maximumEventAgeInSeconds} s` }, queued.attempts);
      return;
    }
    void attempt(queued.attempts + 1);
  }

  /** A journal write after invokeAsync has returned: one that fails costs at most a repeat after a restart, never this process. */
  private journalLater(queued: QueuedInvocation, write: (journal: InvocationJournal, key: string) => void): void {
    if (!this.options.journal) return;
    try {
      write(this.options.journal, invocationKey(queued));
    } catch (error) {
      this.log(`[${this.name}] could not journal invocation ${queued.requestId}: ${(error as Error).message}`);
    }
  }

  /** Starts one environment ahead of the first invocation, so that it pays no cold start. */
  async prewarm(): Promise<void> {
    if (this.environments.length === 0) {
      const environment = this.spawn();
      await environment.ready.catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.reaper);
    await Promise.all(this.environments.splice(0).map((environment) => environment.worker.terminate()));
  }

  private async acquire(throttle: boolean): Promise<Environment> {
    for (;;) {
      const idle = this.environments.find((environment) => !environment.busy && environment.settled);
      if (idle) {
        idle.busy = true;
        return idle;
      }
      // New environments start for the requests that wait, which then take whichever is free first: a new one
      // once loaded, or a busy one released meanwhile (a warm one often finishes before a cold one has loaded).
      const starting = this.environments.filter((environment) => !environment.busy && !environment.settled).length;
      if (starting < this.waiting.length + 1 && this.environments.length < this.limit) {
        if (!this.warmIsSooner()) {
          this.spawn();
          continue;
        }
        // A busy warm environment will be free before a new one could load: wait for it instead of starting one.
        await new Promise<void>((resolve) => this.waiting.push(resolve));
        continue;
      }
      if (starting > 0) {
        await new Promise<void>((resolve) => this.waiting.push(resolve));
        continue;
      }
      if (throttle) {
        throw new TooManyRequestsError(`Rate exceeded: ${this.name} is at its reserved concurrency of ${this.limit}`);
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  /**
   * Whether the next invocation in line is likely to get a busy warm environment before a new one would have loaded:
   * with b loaded environments busy and p invocations in line, the p-th waits about p / b runs. A new environment
   * pays the import again and competes for the same cores, so under a backlog of short invocations it only adds work.
   */
  private warmIsSooner(): boolean {
    if (this.runMs === undefined || this.loadMs === undefined) return false;
    const busyWarm = this.environments.filter((environment) => environment.busy && environment.settled).length;
    if (busyWarm === 0) return false;
    return ((this.waiting.length + 1) / busyWarm) * this.runMs < this.loadMs;
  }

  private static average(previous: number | undefined, sample: number): number {
    return previous === undefined ? sample : previous * 0.8 + sample * 0.2;
  }

  private release(environment: Environment): void {
    environment.busy = false;
    environment.idleSince = Date.now();
    this.waiting.shift()?.();
  }

  private spawn(): Environment {
    const worker = new Worker(WORKER_SCRIPT, {
      env: { ...this.options.environment },
      workerData: { bundleDir: this.model.bundleDir, handler: this.model.handler, routes: this.options.routes },
      stdout: true,
      stderr: true,
      // 16 MB of young generation: at 4 MB a broadcast of 100 posts spent a tenth of its time scavenging, and the semi-spaces
      // only grow that far in an environment that allocates; Lambda's memory setting caps the heap.
      resourceLimits: { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: Math.max(64, this.model.memoryMb) },
    });
    worker.unref();
    for (const stream of [worker.stdout, worker.stderr]) {
      let buffered = "";
      stream.on("data", (chunk: Buffer) => {
        buffered += chunk.toString("utf8");
        const lines = buffered.split("\n");
        buffered = lines.pop() ?? "";
        for (const line of lines) if (line.trim() !== "") this.log(`[${this.name}] ${line}`);
      });
    }
    const environment: Environment = { worker, busy: false, settled: false, idleSince: Date.now(), ready: Promise.resolve() };
    const spawnedAt = performance.now();
    environment.ready = new Promise<void>((resolve, reject) => {
      worker.on("message", (message: { type: string; id?: string; ok?: boolean; result?: unknown; error?: FunctionError }) => {
        if (message.type === "ready") {
          this.loadMs = LocalFunction.average(this.loadMs, performance.now() - spawnedAt);
          resolve();
        }
        else if (message.type === "init-error") {
          this.log(`[${this.name}] init error: ${message.error?.errorType}: ${message.error?.errorMessage}`);
          reject(Object.assign(new Error(message.error?.errorMessage), { lambdaError: message.error }));
        } else if (message.type === "result") {
          const pending = environment.pending;
          if (!pending || pending.id !== message.id) return;
          const { resolve: done, started, timer } = pending;
          clearTimeout(timer);
          environment.pending = undefined;
          const durationMs = performance.now() - started;
          done(message.ok ? { ok: true, result: message.result, durationMs } : { ok: false, error: message.error!, durationMs });
        }
      });
      worker.on("error", (error) => {
        this.log(`[${this.name}] runtime error: ${error.message}`);
        reject(error);
        this.discard(environment, { errorType: "Runtime.ExitError", errorMessage: error.message });
      });
      worker.on("exit", () => this.discard(environment, { errorType: "Runtime.ExitError", errorMessage: "Runtime exited" }));
    });
    environment.ready
      .catch(() => undefined)
      .finally(() => {
        environment.settled = true;
        this.waiting.shift()?.();
      });
    this.environments.push(environment);
    return environment;
  }

  private discard(environment: Environment, error: FunctionError): void {
    const index = this.environments.indexOf(environment);
    if (index >= 0) this.environments.splice(index, 1);
    if (environment.pending) {
      const { resolve, started, timer } = environment.pending;
      clearTimeout(timer);
      environment.pending = undefined;
      resolve({ ok: false, error, durationMs: performance.now() - started });
    }
    this.waiting.shift()?.();
  }

  private async run(environment: Environment, event: unknown, requestId: string): Promise<InvokeResult> {
    const started = performance.now();
    try {
      await environment.ready;
    } catch (error) {
      this.discard(environment, { errorType: "Runtime.ImportModuleError", errorMessage: (error as Error).message });
      void environment.worker.terminate();
      const lambdaError = (error as { lambdaError?: FunctionError }).lambdaError;
      return { ok: false, error: lambdaError ?? { errorType: "Runtime.ImportModuleError", errorMessage: (error as Error).message }, durationMs: performance.now() - started };
    }
    const timeoutMs = this.model.timeoutSeconds * 1000;
    const began = performance.now();
    const result = await new Promise<InvokeResult>((resolve) => {
      const timer = setTimeout(() => {
        // Lambda stops the whole environment on a timeout; the next invocation gets a fresh one.
        const pending = environment.pending;
        environment.pending = undefined;
        this.discard(environment, { errorType: "Sandbox.Timedout", errorMessage: "" });
        void environment.worker.terminate();
        this.log(`[${this.name}] Task timed out after ${this.model.timeoutSeconds.toFixed(2)} seconds`);
        pending?.resolve({
          ok: false,
          error: { errorType: "Sandbox.Timedout", errorMessage: `Task timed out after ${this.model.timeoutSeconds.toFixed(2)} seconds` },
          durationMs: performance.now() - started,
        });
      }, timeoutMs);
      environment.pending = { id: requestId, resolve, started, timer };
      environment.worker.postMessage({
        id: requestId,
        event,
        context: {
          functionName: this.name,
          functionVersion: "$LATEST",
          invokedFunctionArn: this.arn,
          memoryLimitInMB: String(this.model.memoryMb),
          awsRequestId: requestId,
          logGroupName: `/aws/lambda/${this.name}`,
          logStreamName: `local/${environment.worker.threadId}`,
          deadline: Date.now() + timeoutMs,
        },
      });
    });
    if (this.environments.includes(environment)) {
      this.runMs = LocalFunction.average(this.runMs, performance.now() - began);
      this.release(environment);
    }
    return result;
  }
}
