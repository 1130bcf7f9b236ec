import { createServer, type Server } from "node:http";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LocalFunction, TooManyRequestsError, type AsyncFailure } from "../../local/functions/function-host";
import type { FunctionModel } from "../../local/model/stack-model";

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
    const fn = host(model("burst", dir), { maxConcurrency: 3, environmentIdleMs: 300 });

    await Promise.all([fn.invoke({}), fn.invoke({}), fn.invoke({})]);
    const duringBurst = fn.environmentCount;
    await new Promise((resolve) => setTimeout(resolve, 800));

    expect(duringBurst).toBe(3);
    expect(fn.environmentCount).toBe(1);
    await expect(fn.invoke({})).resolves.toMatchObject({ ok: true, result: 1 });
  });
});
