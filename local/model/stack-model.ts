import { resolve as resolvePath } from "node:path";
import { ExpressionError, type Value } from "./expression";
import type { LocalSettings } from "./identities";
import { StackResolver, type SynthesizedStack } from "./terraform-config";

export interface TableModel {
  address: string;
  /** Short name from the construct path, e.g. "connections". */
  logicalName: string;
  name: string;
  hashKey: string;
  rangeKey?: string;
  attributes: { name: string; type: string }[];
  globalSecondaryIndexes: { name: string; hashKey: string; rangeKey?: string; projectionType: string; nonKeyAttributes?: string[] }[];
  ttlAttribute?: string;
}

export interface BucketModel {
  address: string;
  logicalName: string;
  name: string;
}

export interface BusModel {
  address: string;
  name: string;
  arn: string;
}

export interface RuleModel {
  address: string;
  name: string;
  busName: string;
  arn: string;
  eventPattern?: string;
  scheduleExpression?: string;
  enabled: boolean;
}

export interface TargetModel {
  address: string;
  ruleName: string;
  busName: string;
  targetId: string;
  arn: string;
  retryPolicy?: { maximumRetryAttempts?: number; maximumEventAgeInSeconds?: number };
  deadLetterArn?: string;
}

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

export interface RouteModel {
  routeKey: string;
  functionName: string;
  authorizationType: string;
  apiKeyRequired: boolean;
}

export interface WebSocketApiModel {
  address: string;
  id: string;
  name: string;
  routeSelectionExpression: string;
  apiKeySelectionExpression?: string;
  stages: { name: string; throttlingRateLimit?: number; throttlingBurstLimit?: number }[];
  routes: RouteModel[];
  authorizer?: { id: string; functionName: string; identitySources: string[] };
  apiKeys: { name: string; value: string }[];
}

export interface UserPoolModel {
  address: string;
  logicalName: string;
  id: string;
  name: string;
  clients: { id: string; name: string }[];
}

export interface StackModel {
  id: string;
  tables: TableModel[];
  buckets: BucketModel[];
  buses: BusModel[];
  rules: RuleModel[];
  targets: TargetModel[];
  functions: FunctionModel[];
  webSocketApis: WebSocketApiModel[];
  userPools: UserPoolModel[];
  /** Resource types the runtime does not emulate, with how many of each the stack has. */
  notEmulated: Record<string, number>;
}

/** Types the runtime turns into local services; everything else is reported, never silently dropped. */
export const EMULATED_TYPES = new Set([
  "aws_dynamodb_table",
  "aws_s3_bucket",
  "aws_cloudwatch_event_bus",
  "aws_cloudwatch_event_rule",
  "aws_cloudwatch_event_target",
  "aws_lambda_function",
  "aws_lambda_function_event_invoke_config",
  "aws_apigatewayv2_api",
  "aws_apigatewayv2_stage",
  "aws_apigatewayv2_route",
  "aws_apigatewayv2_integration",
  "aws_apigatewayv2_authorizer",
  "aws_apigatewayv2_deployment",
  "aws_api_gateway_api_key",
  "aws_api_gateway_usage_plan",
  "aws_api_gateway_usage_plan_key",
  "aws_cognito_user_pool",
  "aws_cognito_user_pool_client",
]);

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

const num = (value: Value, fallback: number): number => (typeof value === "number" ? value : fallback);
const single = <T>(value: unknown): T | undefined => (Array.isArray(value) ? (value[0] as T) : (value as T | undefined));

/** Builds the local model of one synthesized stack: every emulated resource with its references resolved. */
export function buildStackModel(stack: SynthesizedStack, settings: LocalSettings): StackModel {
  const resolver = new StackResolver(stack, settings);
  const evaluated = (type: string) =>
    resolver.resourcesOf(type).map(([name, raw]) => ({ address: `${type}.${name}`, raw, config: resolver.evaluate(raw) as Record<string, Value> }));

  const tables = evaluated("aws_dynamodb_table").map(({ address, raw, config }): TableModel => {
    const ttl = single<{ enabled?: boolean; attribute_name?: string }>(config.ttl);
    return {
      address,
      logicalName: logicalName(raw, address.split(".")[1]),
      name: String(config.name),
      hashKey: String(config.hash_key),
      rangeKey: config.range_key ? String(config.range_key) : undefined,
      attributes: ((config.attribute ?? []) as { name: string; type: string }[]).map(({ name, type }) => ({ name, type })),
      globalSecondaryIndexes: ((config.global_secondary_index ?? []) as Record<string, Value>[]).map((index) => ({
        name: String(index.name),
        hashKey: String(index.hash_key),
        rangeKey: index.range_key ? String(index.range_key) : undefined,
        projectionType: String(index.projection_type ?? "ALL"),
        nonKeyAttributes: index.non_key_attributes as string[] | undefined,
      })),
      ttlAttribute: ttl?.enabled ? ttl.attribute_name : undefined,
    };
  });

  const buckets = resolver.resourcesOf("aws_s3_bucket").map(([name, raw]): BucketModel => {
    const address = `aws_s3_bucket.${name}`;
    const bucket = String(resolver.attribute(address, "bucket"));
    return { address, logicalName: logicalName(raw, name), name: bucket };
  });

  const buses = resolver.resourcesOf("aws_cloudwatch_event_bus").map(([name, raw]): BusModel => {
    const address = `aws_cloudwatch_event_bus.${name}`;
    return { address, name: resolver.string(raw.name, `${address}.name`), arn: String(resolver.attribute(address, "arn")) };
  });

  const rules = evaluated("aws_cloudwatch_event_rule").map(({ address, config }): RuleModel => ({
    address,
    name: String(config.name),
    busName: String(config.event_bus_name ?? "default"),
    arn: String(resolver.attribute(address, "arn")),
    eventPattern: config.event_pattern ? String(config.event_pattern) : undefined,
    scheduleExpression: config.schedule_expression ? String(config.schedule_expression) : undefined,
    enabled: (config.state ?? "ENABLED") === "ENABLED" && config.is_enabled !== false,
  }));

  const targets = evaluated("aws_cloudwatch_event_target").map(({ address, config }): TargetModel => {
    const retry = single<{ maximum_retry_attempts?: number; maximum_event_age_in_seconds?: number }>(config.retry_policy);
    const deadLetter = single<{ arn?: string }>(config.dead_letter_config);
    return {
      address,
      ruleName: String(config.rule),
      busName: String(config.event_bus_name ?? "default"),
      targetId: String(config.target_id ?? address),
      arn: String(config.arn),
      retryPolicy: retry ? { maximumRetryAttempts: retry.maximum_retry_attempts, maximumEventAgeInSeconds: retry.maximum_event_age_in_seconds } : undefined,
      deadLetterArn: deadLetter?.arn,
    };
  });

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
      reservedConcurrency: typeof config.reserved_concurrent_executions === "number" && config.reserved_concurrent_executions >= 0 ? config.reserved_concurrent_executions : undefined,
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
  const functionByInvokeArn = new Map(functions.map((fn) => [fn.invokeArn, fn.name]));
  const functionFor = (invokeArn: Value, what: string): string => {
    const name = functionByInvokeArn.get(String(invokeArn));
    if (!name) throw new ExpressionError(`${what} integrates with ${String(invokeArn)}, which is not a function of this stack`);
    return name;
  };

  const integrations = new Map(
    evaluated("aws_apigatewayv2_integration").map(({ address, config }) => [
      String(resolver.attribute(address, "id")),
      { apiId: String(config.api_id), functionName: functionFor(config.integration_uri, address) },
    ]),
  );
  const routes = evaluated("aws_apigatewayv2_route");
  const authorizers = evaluated("aws_apigatewayv2_authorizer");
  const stages = evaluated("aws_apigatewayv2_stage");
  const apiKeys = evaluated("aws_api_gateway_api_key");
  const usagePlans = evaluated("aws_api_gateway_usage_plan");
  const usagePlanKeys = evaluated("aws_api_gateway_usage_plan_key");

  const webSocketApis = evaluated("aws_apigatewayv2_api")
    .filter(({ config }) => config.protocol_type === "WEBSOCKET")
    .map(({ address, config }): WebSocketApiModel => {
      const id = String(resolver.attribute(address, "id"));
      const authorizer = authorizers.find((candidate) => candidate.config.api_id === id);
      const apiStages = stages.filter((stage) => stage.config.api_id === id);
      const stageNames = apiStages.map((stage) => String(stage.config.name));
      // A key opens this API when it is in a usage plan that names one of the API's stages.
      const planIds = usagePlans
        .filter((plan) => ((plan.config.api_stages ?? []) as Record<string, Value>[]).some((stage) => stage.api_id === id && stageNames.includes(String(stage.stage))))
        .map((plan) => String(resolver.attribute(plan.address, "id")));
      const keyIds = new Set(usagePlanKeys.filter((link) => planIds.includes(String(link.config.usage_plan_id))).map((link) => String(link.config.key_id)));
      return {
        address,
        id,
        name: String(config.name),
        routeSelectionExpression: String(config.route_selection_expression ?? "$request.body.action"),
        apiKeySelectionExpression: config.api_key_selection_expression ? String(config.api_key_selection_expression) : undefined,
        stages: apiStages.map((stage) => {
          const defaults = single<Record<string, Value>>(stage.config.default_route_settings);
          return {
            name: String(stage.config.name),
            throttlingRateLimit: typeof defaults?.throttling_rate_limit === "number" ? defaults.throttling_rate_limit : undefined,
            throttlingBurstLimit: typeof defaults?.throttling_burst_limit === "number" ? defaults.throttling_burst_limit : undefined,
          };
        }),
        routes: routes
          .filter((route) => route.config.api_id === id)
          .map((route) => {
            const integrationId = String(route.config.target ?? "").replace(/^integrations\//, "");
            const integration = integrations.get(integrationId);
            if (!integration) throw new ExpressionError(`Route ${route.address} targets ${String(route.config.target)}, which is not an integration of this stack`);
            return {
              routeKey: String(route.config.route_key),
              functionName: integration.functionName,
              authorizationType: String(route.config.authorization_type ?? "NONE"),
              apiKeyRequired: route.config.api_key_required === true,
            };
          }),
        authorizer: authorizer
          ? {
              id: String(resolver.attribute(authorizer.address, "id")),
              functionName: functionFor(authorizer.config.authorizer_uri, authorizer.address),
              identitySources: (authorizer.config.identity_sources ?? []) as string[],
            }
          : undefined,
        apiKeys: apiKeys
          .filter((key) => keyIds.has(String(resolver.attribute(key.address, "id"))) && key.config.enabled !== false)
          .map((key) => ({ name: String(key.config.name), value: String(resolver.attribute(key.address, "value")) })),
      };
    });

  const clients = evaluated("aws_cognito_user_pool_client");
  const userPools = evaluated("aws_cognito_user_pool").map(({ address, raw, config }): UserPoolModel => {
    const id = String(resolver.attribute(address, "id"));
    return {
      address,
      logicalName: logicalName(raw, address.split(".")[1]),
      id,
      name: String(config.name),
      clients: clients
        .filter((client) => client.config.user_pool_id === id)
        .map((client) => ({ id: String(resolver.attribute(client.address, "id")), name: String(client.config.name) })),
    };
  });

  const notEmulated: Record<string, number> = {};
  for (const [type, blocks] of Object.entries(stack.resources)) {
    if (!EMULATED_TYPES.has(type)) notEmulated[type] = Object.keys(blocks).length;
  }

  return { id: stack.id, tables, buckets, buses, rules, targets, functions, webSocketApis, userPools, notEmulated };
}
