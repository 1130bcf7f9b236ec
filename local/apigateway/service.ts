import { ExpressionError, type Value } from "../model/expression";
import { qualifiedAddress, stableId } from "../model/identities";
import { single } from "../model/resource-config";
import { defineService } from "../services/service";
import { LocalWebSocketApi } from "./websocket-api";

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

export interface ApiGatewayPart {
  webSocketApis: WebSocketApiModel[];
}

const API_KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const executeApiArn = (region: string, account: string, resource: string) => `arn:aws:execute-api:${region}:${account}:${resource}`;

/**
 * What the API's `api_endpoint` (and its stage's `invoke_url`) resolve to locally: AWS's `wss://` scheme on the local
 * host, so that the `https://` management endpoint a stack derives from it (`managementEndpoint`) is one that the
 * functions' routing sends to the local gateway, as code without a request context (a scheduled cleanup) needs.
 */
export function synthesizedBaseUrl(domainName: string): string {
  return `wss://${domainName}`;
}

/** API Gateway: each WebSocket API on its own port, with its stages, routes, authorizer, API keys and `@connections`. */
export const apiGatewayService = defineService({
  name: "API Gateway",
  resourceTypes: [
    "aws_apigatewayv2_api",
    "aws_apigatewayv2_stage",
    "aws_apigatewayv2_route",
    "aws_apigatewayv2_integration",
    "aws_apigatewayv2_authorizer",
    "aws_apigatewayv2_deployment",
    "aws_api_gateway_api_key",
    "aws_api_gateway_usage_plan",
    "aws_api_gateway_usage_plan_key",
  ],
  computedAttributes: {
    aws_apigatewayv2_api: (address, _, s) => {
      const id = stableId(qualifiedAddress(s, address), 10);
      return {
        id,
        api_endpoint: s.localUrls?.[address] ?? `wss://${id}.execute-api.${s.region}.amazonaws.com`,
        execution_arn: executeApiArn(s.region, s.account, id),
      };
    },
    aws_apigatewayv2_stage: (address, config, s, raw) => {
      const api = String(config("api_id"));
      const apiAddress = /^\$\{(aws_apigatewayv2_api\.[A-Za-z0-9_-]+)\.id\}$/.exec(String(raw.api_id))?.[1];
      const base = (apiAddress && s.localUrls?.[apiAddress]) ?? `wss://${api}.execute-api.${s.region}.amazonaws.com`;
      const stage = String(config("name"));
      return { id: stage, invoke_url: `${base}/${stage}`, execution_arn: executeApiArn(s.region, s.account, `${api}/${stage}`), arn: address };
    },
    aws_apigatewayv2_integration: (address, _, s) => ({ id: stableId(qualifiedAddress(s, address), 7) }),
    aws_apigatewayv2_route: (address, _, s) => ({ id: stableId(qualifiedAddress(s, address), 7) }),
    aws_apigatewayv2_authorizer: (address, _, s) => ({ id: stableId(qualifiedAddress(s, address), 6) }),
    aws_apigatewayv2_deployment: (address, _, s) => ({ id: stableId(qualifiedAddress(s, address), 6) }),
    aws_api_gateway_api_key: (address, _, s) => ({
      id: stableId(qualifiedAddress(s, address), 10),
      value: stableId(`${qualifiedAddress(s, address)}#value`, 40, API_KEY_ALPHABET),
    }),
    aws_api_gateway_usage_plan: (address, _, s) => ({ id: stableId(qualifiedAddress(s, address), 6) }),
  },
  model: ({ resolver, evaluated, model }): ApiGatewayPart => {
    const functionByInvokeArn = new Map((model.functions ?? []).map((fn) => [fn.invokeArn, fn.name]));
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
    return { webSocketApis };
  },
  start: async (context) => {
    // Each API listens before the stacks load: its URL is what the stack's endpoints resolve to.
    const apis: { stackId: string; api: LocalWebSocketApi }[] = [];
    const localUrls: Record<string, Record<string, string>> = {};
    const routes: Record<string, string> = {};
    const closeAll = () => Promise.all(apis.map(({ api }) => api.close().catch(() => undefined))).then(() => undefined);
    try {
      for (const model of context.models) {
        localUrls[model.id] = {};
        for (const apiModel of model.webSocketApis) {
          const api = new LocalWebSocketApi(apiModel, { region: context.region, account: context.account, functions: context.functions, log: context.log });
          apis.push({ stackId: model.id, api });
          await api.listen(context.takePort());
          context.log(`[runtime] WebSocket API ${apiModel.name} on ${api.url}`);
          localUrls[model.id][apiModel.address] = synthesizedBaseUrl(api.domainName);
          // The `@connections` endpoint that functions build from the request context.
          routes[api.domainName] = `http://${api.domainName}`;
        }
      }
    } catch (error) {
      await closeAll();
      throw error;
    }
    return {
      webSocketApis: apis.map(({ api }) => api),
      localUrls,
      routes,
      describe: (model) => {
        const apiModel = model.webSocketApis[0];
        const api = apis.find((candidate) => candidate.stackId === model.id && candidate.api.model.address === apiModel?.address)?.api;
        return {
          websocket: apiModel && api ? { url: `${api.url}/${apiModel.stages[0]?.name ?? ""}`, apiKey: apiModel.apiKeys[0]?.value ?? null } : null,
        };
      },
      summary: () => `${apis.length} WebSocket API(s)`,
      close: closeAll,
    };
  },
});
