import { createServer, type Server } from "node:http";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { LocalFunction, TooManyRequestsError, type AsyncFailure } from "../../local/functions/function-host";
import { openInvocationJournal, resumeInvocations, type QueuedInvocation } from "../../local/functions/invocation-journal";
import type { FunctionModel } from "../../local/functions/service";

const root = mkdtempSync(join(tmpdir(), "function-host-"));

function bundle(name: string, source: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "index.mjs"), source);
  return dir;
}

function model(name: string, bundleDir: string, overrides: Partial<FunctionModel> = {}): FunctionModel {
  return {
    address: `aws_lambda_function.${name}`,
    name,
    arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    invokeArn: "",
    bundleDir,
    handler: "index.handler",
    runtime: "nodejs22.x",
    roleArn: `arn:aws:iam::000000000000:role/${name}`,
    timeoutSeconds: 3,
    memoryMb: 128,
    environment: {},
    ...overrides,
  };
}

const hosts: LocalFunction[] = [];
function host(fnModel: FunctionModel, options: Partial<ConstructorParameters<typeof LocalFunction>[1]> = {}): LocalFunction {
  const fn = new LocalFunction(fnModel, { environment: {}, routes: {}, log: () => {}, ...options });
  hosts.push(fn);
  return fn;
}

let server: Server;
let serverUrl: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ path: request.url, host: request.headers.host }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((fn) => fn.close()));
});

afterAll(() => server.close());

describe("local function host", () => {
  it("runs the handler with its own environment and a Lambda context when invoked", async () => {
    const dir = bundle("env", "export const handler = async (event, context) => ({ event, stage: process.env.STAGE, name: context.functionName, remaining: context.getRemainingTimeInMillis() > 0 });");
    const fn = host(model("env-fn", dir), { environment: { STAGE: "local" } });

    const result = await fn.invoke({ hello: "world" });

    expect(result).toMatchObject({ ok: true, result: { event: { hello: "world" }, stage: "local", name: "env-fn", remaining: true } });
  });

  it("keeps one function's environment out of another's when both run", async () => {
    const dir = bundle("isolated", "export const handler = async () => ({ secret: process.env.SECRET ?? null, leaked: globalThis.__leak ?? null, set: (globalThis.__leak = 'x') });");
    const first = host(model("first", dir), { environment: { SECRET: "one" } });
    const second = host(model("second", dir), { environment: {} });

    await first.invoke({});
    const result = await second.invoke({});

    expect(result).toMatchObject({ ok: true, result: { secret: null, leaked: null } });
  });

  it("returns the error type and message when the handler throws", async () => {
    const dir = bundle("throws", "export const handler = async () => { const e = new Error('boom'); e.name = 'CustomError'; throw e; };");

    const result = await host(model("throws", dir)).invoke({});

    expect(result).toMatchObject({ ok: false, error: { errorType: "CustomError", errorMessage: "boom" } });
  });

  it("reports an init error when the bundle fails to load", async () => {
    const dir = bundle("init", "throw new Error('Environment variable X is not set');\nexport const handler = async () => 1;");

    const result = await host(model("init", dir)).invoke({});

    expect(result).toMatchObject({ ok: false, error: { errorMessage: "Environment variable X is not set" } });
  });

  it("stops an invocation and replaces the environment when it runs past the timeout", async () => {
    const dir = bundle("slow", "let calls = 0; export const handler = async (event) => { calls += 1; if (event.sleep) await new Promise((r) => setTimeout(r, 5000)); return calls; };");
    const fn = host(model("slow", dir, { timeoutSeconds: 1 }));

    const timedOut = await fn.invoke({ sleep: true });
    const next = await fn.invoke({ sleep: false });

    expect(timedOut).toMatchObject({ ok: false, error: { errorType: "Sandbox.Timedout", errorMessage: "Task timed out after 1.00 seconds" } });
    expect(next).toMatchObject({ ok: true, result: 1 });
  });

  it("throttles a synchronous invocation when the reserved concurrency is in use", async () => {
    const dir = bundle("busy", "export const handler = async () => { await new Promise((r) => setTimeout(r, 300)); return 'done'; };");
    const fn = host(model("busy", dir, { reservedConcurrency: 1 }));
    await fn.prewarm();

    const first = fn.invoke({});
    const second = fn.invoke({});

    await expect(second).rejects.toBeInstanceOf(TooManyRequestsError);
    await expect(first).resolves.toMatchObject({ ok: true, result: "done" });
  });

  it("sends HTTPS requests for routed hosts to the local server when the function calls them", async () => {
    const dir = bundle(
      "routed",
      `import https from "node:https";
       export const handler = async () => new Promise((resolve, reject) => {
         https.get("https://abc.execute-api.us-east-1.amazonaws.com/live/@connections/x", (res) => {
           let body = ""; res.on("data", (c) => body += c); res.on("end", () => resolve(JSON.parse(body)));
         }).on("error", reject);
       });`,
    );
    const fn = host(model("routed", dir), { routes: { "abc.execute-api.us-east-1.amazonaws.com": serverUrl } });

    const result = await fn.invoke({});

    expect(result).toMatchObject({ ok: true, result: { path: "/live/@connections/x", host: "abc.execute-api.us-east-1.amazonaws.com" } });
  });

  it("retries a failing asynchronous invocation and then records the failure with its destination", async () => {
    const dir = bundle("async-fail", "let n = 0; export const handler = async () => { n += 1; throw new Error('attempt ' + n); };");
    const fn = host(model("async-fail", dir), {
      asyncInvocation: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 60, onFailureDestination: "arn:aws:sqs:us-east-1:000000000000:q" },
      asyncRetryDelayMs: 10,
    });
    const failure = new Promise<AsyncFailure>((resolve) => fn.once("async-failure", resolve));

    fn.invokeAsync({ id: 1 });

    await expect(failure).resolves.toMatchObject({
      functionName: "async-fail",
      attempts: 3,
      destination: "arn:aws:sqs:us-east-1:000000000000:q",
      error: { errorMessage: "attempt 3" },
      event: { id: 1 },
    });
  });
});

describe("idle environments", () => {
  it("stops environments idle past the limit, down to one, when a burst is over", async () => {
    const dir = bundle("burst", "export const handler = async () => { await new Promise((r) => setTimeout(r, 100)); return 1; };");
    // The reaper's clock is faked, so every reaping pass below has run when the count is read
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    try {
      const fn = host(model("burst", dir), { maxConcurrency: 3, environmentIdleMs: 300 });

      await Promise.all([fn.invoke({}), fn.invoke({}), fn.invoke({})]);
      const duringBurst = fn.environmentCount;
      // Passes every 150 ms: the one at 450 ms reaps the idle environments, the later ones must leave the last
      vi.advanceTimersByTime(1_500);

      expect(duringBurst).toBe(3);
      expect(fn.environmentCount).toBe(1);
      await expect(fn.invoke({})).resolves.toMatchObject({ ok: true, result: 1 });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("scaling under a backlog", () => {
  it("does take a released warm environment instead of starting a cold one when the backlog is of short invocations", async () => {
    // prepare: one loaded environment and a few runs, so that the host knows a run is far shorter than a load
    const dir = bundle("short", "export const handler = async () => 1;");
    const fn = host(model("short", dir), { maxConcurrency: 4 });
    await fn.prewarm();
    for (let run = 0; run < 3; run++) await fn.invoke({});
    // act
    const results = await Promise.all([fn.invoke({}), fn.invoke({}), fn.invoke({})]);
    // assess
    expect(results.every((result) => result.ok)).toBe(true);
    expect(fn.environmentCount).toBe(1);
  });

  it("does start more environments, up to the cap, when invocations run longer than a load", async () => {
    // prepare
    const dir = bundle("long", "export const handler = async () => { await new Promise((r) => setTimeout(r, 300)); return 1; };");
    const fn = host(model("long", dir), { maxConcurrency: 3 });
    await fn.prewarm();
    await fn.invoke({});
    // act
    await Promise.all([fn.invoke({}), fn.invoke({}), fn.invoke({}), fn.invoke({})]);
    // assess
    expect(fn.environmentCount).toBe(3);
  });

  it("does keep at most as many environments as the machine has cores when no cap or reserved concurrency is set", async () => {
    // prepare
    const dir = bundle("uncapped", "export const handler = async () => { await new Promise((r) => setTimeout(r, 150)); return 1; };");
    const fn = host(model("uncapped", dir));
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, fn.environmentCount)), 5);
    // act
    await Promise.all(Array.from({ length: availableParallelism() + 3 }, () => fn.invoke({})));
    clearInterval(watch);
    // assess
    expect(most).toBe(availableParallelism());
  });
});

describe("journaled asynchronous invocations", () => {
  let count = 0;
  /** A fresh folder with a journal path and an output file the handlers below append to. */
  function workspace() {
    const dir = join(root, `journal-${++count}`);
    mkdirSync(dir, { recursive: true });
    return { journalPath: join(dir, "invocations.jsonl"), out: join(dir, "out.txt"), dir };
  }
  const read = (path: string) => (existsSync(path) ? readFileSync(path, "utf8").split("\n").filter((line) => line !== "") : []);
  // Appends "<request id> <event>" for each invocation that ran; fails while event.fail is set.
  const recorder = bundle(
    "recorder",
    "import { appendFileSync } from 'node:fs'; export const handler = async (event, context) => { appendFileSync(process.env.OUT, context.awsRequestId + ' ' + JSON.stringify(event) + '\\n'); if (event.fail) throw new Error('failed ' + context.awsRequestId); if (event.sleep) await new Promise((r) => setTimeout(r, 10000)); return 1; };",
  );
  const queued = (overrides: Partial<QueuedInvocation> = {}): QueuedInvocation => ({
    functionName: "recorder",
    requestId: "req-earlier",
    event: { n: 1 },
    attempts: 0,
    queuedAt: Date.now(),
    ...overrides,
  });

  it("does journal the invocation before invokeAsync returns and mark it done when it succeeded", async () => {
    // prepare
    const { journalPath, out } = workspace();
    const journal = openInvocationJournal(journalPath);
    const fn = host(model("recorder", recorder), { environment: { OUT: out }, journal });
    // act
    fn.invokeAsync({ n: 1 }, "req-1");
    const journaled = read(journalPath).map((line) => JSON.parse(line));
    await vi.waitFor(() => expect(journal.size).toBe(0));
    // assess
    expect(journaled).toEqual([
      { op: "accepted", id: "recorder:req-1", payload: { functionName: "recorder", requestId: "req-1", event: { n: 1 }, attempts: 0, queuedAt: expect.any(Number) } },
    ]);
    expect(read(out)).toEqual(['req-1 {"n":1}']);
  });

  it("does mark the invocation done only after its final failure has been emitted", async () => {
    // prepare
    const { journalPath, out } = workspace();
    const journal = openInvocationJournal(journalPath);
    const fn = host(model("recorder", recorder), {
      environment: { OUT: out },
      journal,
      asyncInvocation: { maximumRetryAttempts: 1, maximumEventAgeInSeconds: 60 },
      asyncRetryDelayMs: 10,
    });
    const journaledAtFailure = new Promise<boolean>((resolve) => fn.once("async-failure", () => resolve(journal.has("recorder:req-2"))));
    // act
    fn.invokeAsync({ fail: true }, "req-2");
    const stillJournaled = await journaledAtFailure;
    // assess
    expect(stillJournaled).toBe(true);
    expect(journal.size).toBe(0);
  });

  it("does resume a journaled invocation with its request id, and count only the attempts that ended, when the function starts again", async () => {
    // prepare: an earlier run had one failed attempt of req-3
    const { journalPath, out } = workspace();
    openInvocationJournal(journalPath).accept("recorder:req-3", queued({ requestId: "req-3", event: { fail: true }, attempts: 1 }));
    const journal = openInvocationJournal(journalPath);
    const fn = host(model("recorder", recorder), {
      environment: { OUT: out },
      journal,
      asyncInvocation: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 60 },
      asyncRetryDelayMs: 10,
    });
    const failure = new Promise<AsyncFailure>((resolve) => fn.once("async-failure", resolve));
    // act
    const resumed = fn.resume();
    // assess
    expect(resumed).toBe(1);
    await expect(failure).resolves.toMatchObject({ requestId: "req-3", attempts: 3, error: { errorMessage: "failed req-3" } });
    expect(read(out)).toEqual(['req-3 {"fail":true}', 'req-3 {"fail":true}']);
    expect(journal.size).toBe(0);
  });

  it("does journal each failed attempt so a restart resumes at the next one", async () => {
    // prepare
    const { journalPath, out } = workspace();
    const journal = openInvocationJournal(journalPath);
    const fn = host(model("recorder", recorder), {
      environment: { OUT: out },
      journal,
      asyncInvocation: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 60 },
      asyncRetryDelayMs: 60_000,
    });
    // act
    fn.invokeAsync({ fail: true }, "req-4");
    await vi.waitFor(() => expect(journal.pending()[0]?.payload.attempts).toBe(1));
    await fn.close();
    // assess
    expect(openInvocationJournal(journalPath).pending().map((entry) => entry.payload)).toEqual([
      expect.objectContaining({ requestId: "req-4", attempts: 1 }),
    ]);
  });

  it("does keep an invocation cut short by shutdown journaled, with no attempt counted and no failure emitted", async () => {
    // prepare
    const { journalPath, out } = workspace();
    const journal = openInvocationJournal(journalPath);
    const fn = host(model("recorder", recorder), { environment: { OUT: out }, journal });
    const failures: AsyncFailure[] = [];
    fn.on("async-failure", (failure: AsyncFailure) => failures.push(failure));
    fn.invokeAsync({ sleep: true }, "req-5");
    await vi.waitFor(() => expect(read(out)).toHaveLength(1));
    // act
    await fn.close();
    // assess
    expect(failures).toEqual([]);
    expect(openInvocationJournal(journalPath).pending().map((entry) => entry.payload)).toEqual([
      expect.objectContaining({ requestId: "req-5", attempts: 0 }),
    ]);
  });

  it("does record a resumed invocation as failed without running it when it is past the maximum event age counted from its queue time", async () => {
    // prepare: queued 61 s ago, for a function whose events live 60 s
    const { journalPath, out } = workspace();
    openInvocationJournal(journalPath).accept("recorder:req-6", queued({ requestId: "req-6", attempts: 1, queuedAt: Date.now() - 61_000 }));
    const journal = openInvocationJournal(journalPath);
    const fn = host(model("recorder", recorder), {
      environment: { OUT: out },
      journal,
      asyncInvocation: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 60 },
    });
    const failure = new Promise<AsyncFailure>((resolve) => fn.once("async-failure", resolve));
    // act
    fn.resume();
    // assess
    await expect(failure).resolves.toMatchObject({
      requestId: "req-6",
      attempts: 1,
      error: { errorType: "EventAgeExceeded", errorMessage: "Event of age 61 s is past the maximum event age of 60 s" },
    });
    expect(read(out)).toEqual([]);
    expect(journal.size).toBe(0);
  });

  it("does resume each function's own invocations and record one as failed when its function is no longer defined", async () => {
    // prepare
    const { journalPath, out } = workspace();
    const earlier = openInvocationJournal(journalPath);
    earlier.accept("recorder:req-7", queued({ requestId: "req-7" }));
    earlier.accept("removed:req-8", queued({ functionName: "removed", requestId: "req-8", attempts: 2 }));
    const journal = openInvocationJournal(journalPath);
    const fn = host(model("recorder", recorder), { environment: { OUT: out }, journal });
    const gone: AsyncFailure[] = [];
    // act
    const resumed = resumeInvocations(journal, [fn], (failure) => gone.push(failure));
    await vi.waitFor(() => expect(journal.size).toBe(0));
    // assess
    expect(resumed).toBe(1);
    expect(read(out)).toEqual(['req-7 {"n":1}']);
    expect(gone).toEqual([
      expect.objectContaining({
        functionName: "removed",
        requestId: "req-8",
        attempts: 2,
        error: { errorType: "ResourceNotFoundException", errorMessage: "Function removed is no longer defined" },
      }),
    ]);
  });
});
