import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LocalWebSocketApi } from "./apigateway/websocket-api";
import { LocalUserPools } from "./auth/user-pools";
import { startAuthService } from "./auth/http-service";
import { LocalEventBridge } from "./eventbridge/event-bus";
import type { DeadLetter } from "./eventbridge/target-delivery";
import { startEventBridgeService } from "./eventbridge/http-service";
import { LocalFunction, type AsyncFailure } from "./functions/function-host";
import { resumeInvocations } from "./functions/invocation-journal";
import { buildStackModel, type StackModel } from "./model/stack-model";
import { readSynthesizedStacks, type SynthesizedStack } from "./model/terraform-config";
import { lockDataFolder } from "./services/data-folder";
import { createTable, startDynamoDb, startTtlSweeper } from "./dynamodb/dynalite";
import { LOCAL_CREDENTIALS, LocalCallers } from "./services/credentials";
import { startS3 } from "./s3/s3rver";
import { openStackJournals, type StackJournals } from "./services/stack-journals";

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
}

export interface Endpoints {
  stacks: Record<
    string,
    {
      websocket: { url: string; apiKey: string | null } | null;
      http: string | null;
      tables: Record<string, string>;
      buckets: Record<string, string>;
      userPools: Record<string, { id: string; clientId: string | null }>;
      /** Local credentials of the IAM roles a user may act as (a game server signing requests); none of today's stacks has one. */
      roles: Record<string, { accessKeyId: string; secretAccessKey: string; sessionToken: string }>;
    }
  >;
  services: { dynamodb: string; s3: string; events: string; auth: string };
}

export interface LocalRuntime {
  endpoints: Endpoints;
  models: StackModel[];
  functions: Map<string, LocalFunction>;
  webSocketApis: LocalWebSocketApi[];
  events: LocalEventBridge;
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

/** Runs the synthesized stacks on localhost: every table, bucket, bus, rule, function, WebSocket API and user pool. */
export async function startRuntime(options: RuntimeOptions): Promise<LocalRuntime> {
  const region = options.region ?? "us-east-1";
  const account = options.account ?? "000000000000";
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  let nextPort = options.port ?? 0;
  const takePort = () => (nextPort === 0 ? 0 : nextPort++);
  const closers: (() => Promise<void>)[] = [];
  const webSocketApis: LocalWebSocketApi[] = [];
  const close = async () => {
    // The gateways first, while every function still runs: each open connection gets its $disconnect.
    await Promise.all(webSocketApis.map((api) => api.close().catch(() => undefined)));
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
  };

  try {
    if (options.dataDir) {
      const release = lockDataFolder(options.dataDir);
      closers.push(async () => release());
    }
    const synthesized = readSynthesizedStacks(options.outDir, options.stacks);
    const settings = { region, account };
    // A first pass finds the APIs; their ports go into the second pass, where stage URLs resolve to local ones.
    const firstPass = synthesized.map((stack) => buildStackModel(stack, settings));

    const dynamo = await startDynamoDb({ port: takePort(), region, dataDir: options.dataDir && join(options.dataDir, "dynamodb") });
    closers.push(dynamo.close);
    log(`[runtime] DynamoDB (dynalite) on ${dynamo.url}`);
    const buckets = firstPass.flatMap((model) => model.buckets);
    const s3 = await startS3({ port: takePort(), buckets, dataDir: options.dataDir && join(options.dataDir, "s3") });
    closers.push(s3.close);
    log(`[runtime] S3 (s3rver) on ${s3.url}`);
    const events = new LocalEventBridge({ region, account });
    const eventsService = await startEventBridgeService(events, { port: takePort() });
    closers.push(async () => {
      events.stop();
      await eventsService.close();
    });
    log(`[runtime] EventBridge on ${eventsService.url}`);
    const pools = new LocalUserPools({ keysDir: options.dataDir && join(options.dataDir, "auth") });
    const authService = await startAuthService(pools, { port: takePort(), region });
    closers.push(authService.close);
    log(`[runtime] Cognito token and JWKS endpoints on ${authService.url}`);

    // Each function signs with its own role's key, so that a service can tell the callers apart.
    const callers = new LocalCallers();
    const credentialsOf = (stackId: string, roleArn: string) => {
      const credentials = callers.issue({ stackId, roleArn });
      s3.addAccessKey(credentials.accessKeyId, credentials.secretAccessKey);
      return credentials;
    };
    const functions = new Map<string, LocalFunction>();
    const apiUrls: Record<string, Record<string, string>> = {};
    // By stack: two stacks may declare their APIs at the same address.
    const apisOfStack = new Map<string, LocalWebSocketApi[]>();
    for (const model of firstPass) {
      apiUrls[model.id] = {};
      for (const apiModel of model.webSocketApis) {
        const api = new LocalWebSocketApi(apiModel, { region, account, functions, log });
        await api.listen(takePort());
        closers.push(() => api.close());
        webSocketApis.push(api);
        apisOfStack.set(model.id, [...(apisOfStack.get(model.id) ?? []), api]);
        log(`[runtime] WebSocket API ${apiModel.name} on ${api.url}`);
        apiUrls[model.id][apiModel.address] = synthesizedBaseUrl(api.domainName);
      }
    }
    const models = synthesized.map((stack: SynthesizedStack) => buildStackModel(stack, { ...settings, webSocketUrls: apiUrls[stack.id] }));

    const routes: Record<string, string> = { [`cognito-idp.${region}.amazonaws.com`]: authService.url };
    for (const api of webSocketApis) routes[api.domainName] = `http://${api.domainName}`;

    const deadLetters: (DeadLetter | AsyncFailure)[] = [];
    const recordDeadLetter = (entry: DeadLetter | AsyncFailure, summary: string) => {
      deadLetters.push(entry);
      log(`[dead-letter] ${summary}`);
      if (options.dataDir) appendFileSync(join(options.dataDir, "dead-letters.jsonl"), `${JSON.stringify(entry)}\n`);
    };
    events.onDeadLetter((letter) =>
      recordDeadLetter(letter, `rule ${letter.ruleName} gave up on target ${letter.targetId} after ${letter.attempts} attempt(s): ${letter.errorMessage}`),
    );
    events.onUnknownBus(({ busName }) => log(`[events] event for unknown bus ${busName} dropped, as AWS does`));

    const resumable: { journals: StackJournals; functions: LocalFunction[] }[] = [];
    for (const model of models) {
      const journals = options.dataDir ? openStackJournals(options.dataDir, model.id, log) : undefined;
      const stackFunctions: LocalFunction[] = [];
      if (journals) resumable.push({ journals, functions: stackFunctions });
      for (const table of model.tables) await createTable(dynamo.client, table);
      for (const fnModel of model.functions) {
        if (functions.has(fnModel.name)) throw new Error(`Function ${fnModel.name} is defined by more than one stack`);
        const fn = new LocalFunction(fnModel, {
          environment: functionEnvironment(
            fnModel.environment,
            fnModel.name,
            fnModel.memoryMb,
            region,
            { dynamodb: dynamo.url, s3: s3.url, events: eventsService.url },
            credentialsOf(model.id, fnModel.roleArn),
          ),
          routes,
          log,
          asyncInvocation: fnModel.asyncInvocation,
          journal: journals?.invocations,
        });
        stackFunctions.push(fn);
        fn.on("async-failure", (failure: AsyncFailure) =>
          recordDeadLetter(failure, `${failure.functionName} failed ${failure.attempts} time(s): ${failure.error.errorType}: ${failure.error.errorMessage}`),
        );
        functions.set(fnModel.name, fn);
        closers.push(() => fn.close());
      }
      for (const bus of model.buses) events.addBus(bus.name);
      for (const rule of model.rules) {
        events.addRule({ name: rule.name, busName: rule.busName, eventPattern: rule.eventPattern, scheduleExpression: rule.scheduleExpression, state: rule.enabled ? "ENABLED" : "DISABLED" });
      }
      for (const target of model.targets) {
        const fn = [...functions.values()].find((candidate) => candidate.arn === target.arn);
        events.addTarget({
          ruleName: target.ruleName,
          busName: target.busName,
          id: target.targetId,
          arn: target.arn,
          retryPolicy: target.retryPolicy,
          deadLetterArn: target.deadLetterArn,
          journal: journals?.events,
          invoke: async (event) => {
            if (!fn) throw new Error(`Target ${target.arn} is not a function the local runtime runs`);
            fn.invokeAsync(event);
          },
        });
      }
      for (const pool of model.userPools) pools.addPool({ id: pool.id, name: pool.name, clients: pool.clients });
    }
    // Resumed only now, so that every resumed delivery finds its function and every invocation its environment.
    let resumed = 0;
    for (const stack of resumable) {
      resumed += events.resume(stack.journals.events);
      resumed += resumeInvocations(stack.journals.invocations, stack.functions, (failure) =>
        recordDeadLetter(failure, `${failure.functionName} dropped queued invocation ${failure.requestId}: ${failure.error.errorMessage}`),
      );
    }
    log(
      options.dataDir
        ? `[runtime] Accepted events and queued invocations are journaled in ${join(options.dataDir, "journal")}; ${resumed} resumed from the last run`
        : "[runtime] Accepted events and queued invocations are held in memory only and do not survive a restart (keep them with a data folder, --data DIR)",
    );
    events.start();
    const total = (what: (model: StackModel) => unknown[]) => models.reduce((sum, model) => sum + what(model).length, 0);
    log(
      `[runtime] ${total((model) => model.tables)} table(s), ${total((model) => model.buckets)} bucket(s), ${total((model) => model.rules)} rule(s), ` +
        `${functions.size} function(s) warming in the background`,
    );

    const sweeper = startTtlSweeper(dynamo.client, models.flatMap((model) => model.tables), (options.ttlSweepSeconds ?? 5) * 1000, log);
    closers.push(async () => sweeper.stop());

    // Warming (an environment per function, the pools' signing keys) goes on after ready; requests that come
    // first wait for it, as a cold start would.
    const warming = Promise.all([
      ...[...functions.values()].map((fn) => fn.prewarm()),
      ...models.flatMap((model) => model.userPools.map((pool) => pools.jwks(pool.id))),
    ]).then(() => undefined);
    if (options.prewarm === "wait") await warming;

    const notEmulated: Record<string, number> = {};
    for (const model of models) {
      for (const [type, count] of Object.entries(model.notEmulated)) notEmulated[type] = (notEmulated[type] ?? 0) + count;
    }

    const endpoints: Endpoints = {
      stacks: Object.fromEntries(
        models.map((model) => {
          const apiModel = model.webSocketApis[0];
          const api = apisOfStack.get(model.id)?.find((candidate) => candidate.model.address === apiModel?.address);
          return [
            model.id,
            {
              websocket: apiModel && api ? { url: `${api.url}/${apiModel.stages[0]?.name ?? ""}`, apiKey: apiModel.apiKeys[0]?.value ?? null } : null,
              http: null,
              tables: Object.fromEntries(model.tables.map((table) => [table.logicalName, table.name])),
              buckets: Object.fromEntries(model.buckets.map((bucket) => [bucket.logicalName, bucket.name])),
              userPools: Object.fromEntries(model.userPools.map((pool) => [pool.logicalName, { id: pool.id, clientId: pool.clients[0]?.id ?? null }])),
              roles: {},
            },
          ];
        }),
      ),
      services: { dynamodb: dynamo.url, s3: s3.url, events: eventsService.url, auth: authService.url },
    };

    return { endpoints, models, functions, webSocketApis, events, deadLetters, notEmulated, callers, warm: warming, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * What the API's `api_endpoint` (and its stage's `invoke_url`) resolve to locally: AWS's `wss://` scheme on the local
 * host, so that the `https://` management endpoint a stack derives from it (`managementEndpoint`) is one that the
 * functions' routing sends to the local gateway, as code without a request context (a scheduled cleanup) needs.
 */
export function synthesizedBaseUrl(domainName: string): string {
  return `wss://${domainName}`;
}

/** A function's own variables, then what makes the unchanged AWS SDK and Powertools talk to the local services. */
export function functionEnvironment(
  own: Record<string, string>,
  name: string,
  memoryMb: number,
  region: string,
  services: { dynamodb: string; s3: string; events: string },
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = LOCAL_CREDENTIALS,
): Record<string, string> {
  return {
    ...own,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
    AWS_ENDPOINT_URL_DYNAMODB: services.dynamodb,
    AWS_ENDPOINT_URL_S3: services.s3,
    AWS_ENDPOINT_URL_EVENTBRIDGE: services.events,
    // s3rver does not understand the aws-chunked bodies with checksums that newer S3 clients send by default.
    AWS_REQUEST_CHECKSUM_CALCULATION: "WHEN_REQUIRED",
    AWS_RESPONSE_CHECKSUM_VALIDATION: "WHEN_REQUIRED",
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
    TZ: "UTC",
  };
}

/** Writes `.local/endpoints.json` as the local runtime contract describes it. */
export function writeEndpoints(dir: string, endpoints: Endpoints): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "endpoints.json");
  writeFileSync(path, `${JSON.stringify(endpoints, null, 2)}\n`);
  return path;
}
