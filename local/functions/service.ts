import { resolve as resolvePath } from "node:path";
import { ExpressionError, type Value } from "../model/expression";
import { num, single } from "../model/resource-config";
import { LOCAL_CREDENTIALS } from "../services/credentials";
import { defineService } from "../services/service";
import { openStackJournal } from "../services/stack-journals";
import { LocalFunction, type AsyncFailure } from "./function-host";
import { openInvocationJournal, resumeInvocations, type InvocationJournal } from "./invocation-journal";

export interface FunctionModel {
  address: string;
  name: string;
  arn: string;
  invokeArn: string;
  /** Absolute folder of the built bundle that the archive zips. */
  bundleDir: string;
  handler: string;
  runtime: string;
  /** The execution role; its local credentials are the function's own. */
  roleArn: string;
  timeoutSeconds: number;
  memoryMb: number;
  reservedConcurrency?: number;
  environment: Record<string, string>;
  /** Retries and on-failure destination of asynchronous invocations, from the event invoke config. */
  asyncInvocation?: { maximumRetryAttempts: number; maximumEventAgeInSeconds: number; onFailureDestination?: string };
}

export interface LambdaPart {
  functions: FunctionModel[];
}

/** Lambda: a pool of worker environments per function, each running the unchanged bundle with the function's own role. */
export const lambdaService = defineService({
  name: "Lambda",
  resourceTypes: ["aws_lambda_function", "aws_lambda_function_event_invoke_config"],
  computedAttributes: {
    aws_lambda_function: (_, config, s) => {
      const functionArn = `arn:aws:lambda:${s.region}:${s.account}:function:${String(config("function_name"))}`;
      return {
        id: config("function_name"),
        arn: functionArn,
        invoke_arn: `arn:aws:apigateway:${s.region}:lambda:path/2015-03-31/functions/${functionArn}/invocations`,
      };
    },
  },
  model: ({ stack, resolver, evaluated }): LambdaPart => {
    const functions = evaluated("aws_lambda_function").map(({ address, raw, config }): FunctionModel => {
      const archive = /^\$\{data\.(archive_file\.[A-Za-z0-9_-]+)\.output_path\}$/.exec(String(raw.filename))?.[1];
      if (!archive) {
        throw new ExpressionError(`Function ${address} does not take its code from an archive_file, got filename ${JSON.stringify(raw.filename)}`);
      }
      const sourceDir = resolver.string(stack.data.archive_file?.[archive.split(".")[1]]?.source_dir, `data.${archive}.source_dir`);
      const environment = single<{ variables?: Record<string, Value> }>(config.environment)?.variables ?? {};
      return {
        address,
        name: String(config.function_name),
        arn: String(resolver.attribute(address, "arn")),
        invokeArn: String(resolver.attribute(address, "invoke_arn")),
        bundleDir: resolvePath(stack.dir, sourceDir),
        handler: String(config.handler ?? "index.handler"),
        roleArn: String(config.role),
        runtime: String(config.runtime ?? "nodejs22.x"),
        timeoutSeconds: num(config.timeout, 3),
        memoryMb: num(config.memory_size, 128),
        reservedConcurrency:
          typeof config.reserved_concurrent_executions === "number" && config.reserved_concurrent_executions >= 0 ? config.reserved_concurrent_executions : undefined,
        environment: Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, String(value)])),
      };
    });
    for (const { config } of evaluated("aws_lambda_function_event_invoke_config")) {
      const fn = functions.find((candidate) => candidate.name === config.function_name || candidate.arn === config.function_name);
      if (!fn) throw new ExpressionError(`Event invoke config names ${String(config.function_name)}, which is not a function of this stack`);
      const destination = single<{ on_failure?: unknown }>(config.destination_config);
      fn.asyncInvocation = {
        maximumRetryAttempts: num(config.maximum_retry_attempts, 2),
        maximumEventAgeInSeconds: num(config.maximum_event_age_in_seconds, 21_600),
        onFailureDestination: single<{ destination?: string }>(destination?.on_failure)?.destination,
      };
    }
    return { functions };
  },
  start: async (context) => {
    const byStack = new Map<string, { functions: LocalFunction[]; journal?: InvocationJournal }>();
    const all = () => [...byStack.values()].flatMap((stack) => stack.functions);
    return {
      load: ({ model, functionEnvironment: serviceVariables, routes }) => {
        const journal = context.dataDir ? openStackJournal(context.dataDir, model.id, "invocations.jsonl", openInvocationJournal, context.log) : undefined;
        const stackFunctions: LocalFunction[] = [];
        byStack.set(model.id, { functions: stackFunctions, journal });
        for (const fnModel of model.functions) {
          if (context.functions.has(fnModel.name)) throw new Error(`Function ${fnModel.name} is defined by more than one stack`);
          // Each function signs with its own role's key, so that a service can tell the callers apart.
          const credentials = context.callers.issue({ stackId: model.id, roleArn: fnModel.roleArn });
          const fn = new LocalFunction(fnModel, {
            environment: functionEnvironment(fnModel, context.region, serviceVariables, credentials),
            routes,
            log: context.log,
            asyncInvocation: fnModel.asyncInvocation,
            journal,
          });
          fn.on("async-failure", (failure: AsyncFailure) =>
            context.deadLetter(failure, `${failure.functionName} failed ${failure.attempts} time(s): ${failure.error.errorType}: ${failure.error.errorMessage}`),
          );
          stackFunctions.push(fn);
          context.functions.set(fnModel.name, fn);
        }
      },
      resume: ({ model }) => {
        const stack = byStack.get(model.id);
        if (!stack?.journal) return 0;
        return resumeInvocations(stack.journal, stack.functions, (failure) =>
          context.deadLetter(failure, `${failure.functionName} dropped queued invocation ${failure.requestId}: ${failure.error.errorMessage}`),
        );
      },
      warm: async () => {
        await Promise.all(all().map((fn) => fn.prewarm()));
      },
      summary: () => `${all().length} function(s)`,
      close: async () => {
        await Promise.all(all().map((fn) => fn.close().catch(() => undefined)));
      },
    };
  },
});

/**
 * A function's environment as Lambda sets it: its own variables, its region and role credentials, what points the
 * unchanged AWS SDK and Powertools at the local services (`serviceVariables`), and Lambda's own variables.
 */
export function functionEnvironment(
  fn: Pick<FunctionModel, "environment" | "name" | "memoryMb">,
  region: string,
  serviceVariables: Record<string, string>,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = LOCAL_CREDENTIALS,
): Record<string, string> {
  return {
    ...fn.environment,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
    ...serviceVariables,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
    TZ: "UTC",
  };
}
