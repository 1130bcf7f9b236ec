import { describe, expect, it } from "vitest";
import { Testing, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { NodeFunction } from "../../modules/lambda-function";
import { WebSocketApi, type WebSocketApiProps } from "../../modules/websocket";
import {
  allowing,
  deref,
  functionStatements,
  onlyResource,
  resourceRef,
  resourcesOfType,
  resourceWhere,
  synthScopeJson,
  sorted,
  type NamedBlock,
  type TerraformJson,
} from "./terraform-json";

const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1111aaaa-2222-bbbb-3333-cccc4444dddd";

interface Handlers {
  readonly connect: NodeFunction;
  readonly message: NodeFunction;
  readonly authorizer: NodeFunction;
}

function handlers(scope: Construct): Handlers {
  return {
    connect: new NodeFunction(scope, "connect", { functionName: "ws-connect", bundle: "voice-connect" }),
    message: new NodeFunction(scope, "message", { functionName: "ws-message", bundle: "voice-message" }),
    authorizer: new NodeFunction(scope, "authorizer", { functionName: "ws-authorizer", bundle: "cognito-authorizer" }),
  };
}

/** Synthesizes an API named "voice" with `props`, then lets `configure` add routes and grants. */
function synthApi(
  props: Partial<WebSocketApiProps> | ((fns: Handlers) => Partial<WebSocketApiProps>) = {},
  configure?: (api: WebSocketApi, fns: Handlers) => void,
): TerraformJson {
  return synthScopeJson((scope) => {
    const fns = handlers(scope);
    const extra = typeof props === "function" ? props(fns) : props;
    const api = new WebSocketApi(scope, "ws", { name: "voice", ...extra });
    configure?.(api, fns);
  });
}

/** Adds the `$connect` route that the API key and the authorizer take effect on. */
function withConnect(api: WebSocketApi, fns: Handlers): void {
  api.addRoute("$connect", { handler: fns.connect });
}

function apiRef(json: TerraformJson, attribute: string): string {
  return resourceRef("aws_apigatewayv2_api", onlyResource(json, "aws_apigatewayv2_api").name, attribute);
}

function functionRef(json: TerraformJson, functionName: string, attribute: string): string {
  return resourceRef("aws_lambda_function", resourceWhere(json, "aws_lambda_function", "function_name", functionName).name, attribute);
}

/** The function a permission's `function_name` (a reference to the function's ARN) designates. */
function permittedFunction(json: TerraformJson, permission: Record<string, unknown>): NamedBlock {
  const name = /^\$\{aws_lambda_function\.([^.]+)\.arn\}$/.exec(String(permission.function_name))?.[1];
  return resourcesOfType(json, "aws_lambda_function").find((candidate) => candidate.name === name)!;
}

function accessLogGroup(json: TerraformJson): NamedBlock {
  const groups = resourcesOfType(json, "aws_cloudwatch_log_group").filter((group) =>
    String(group.body.name).startsWith("/aws/apigateway/"),
  );
  expect(groups).toHaveLength(1);
  return groups[0]!;
}

function route(json: TerraformJson, routeKey: string): NamedBlock {
  return resourceWhere(json, "aws_apigatewayv2_route", "route_key", routeKey);
}

/** The integration a route targets (`integrations/${aws_apigatewayv2_integration.X.id}`). */
function integrationOf(json: TerraformJson, routeBody: Record<string, unknown>): NamedBlock {
  const target = String(routeBody.target);
  expect(target).toMatch(/^integrations\/\$\{aws_apigatewayv2_integration\.[^.]+\.id\}$/);
  return deref(json, target.slice("integrations/".length));
}

function redeploymentTrigger(json: TerraformJson): string {
  return onlyResource(json, "aws_apigatewayv2_deployment").body.triggers.redeployment;
}

describe("WebSocketApi API", () => {
  it("does create a WebSocket API selecting routes by body action when no expression is given", () => {
    // prepare / act
    const json = synthApi();

    // assess
    const api = onlyResource(json, "aws_apigatewayv2_api").body;
    expect(api.protocol_type).toBe("WEBSOCKET");
    expect(api.route_selection_expression).toBe("$request.body.action");
    expect(api.name).toBe("voice");
    expect(api).not.toHaveProperty("api_key_selection_expression");
  });

  it("does use the given route selection expression when one is set", () => {
    // prepare / act
    const json = synthApi({ routeSelectionExpression: "$request.body.type" });

    // assess
    expect(onlyResource(json, "aws_apigatewayv2_api").body.route_selection_expression).toBe("$request.body.type");
  });

  it("does tell every route's function the field the API routes on, so its replies use it too", () => {
    // prepare / act
    const json = synthApi({ routeSelectionExpression: "$request.body.type" }, (api, fns) => {
      api.addRoute("$connect", { handler: fns.connect });
      api.addRoute("chat", { handler: fns.message });
    });

    // assess
    for (const name of ["ws-connect", "ws-message"]) {
      expect(resourceWhere(json, "aws_lambda_function", "function_name", name).body.environment.variables.MESSAGE_TYPE_FIELD, name).toBe("type");
    }
    expect(resourceWhere(json, "aws_lambda_function", "function_name", "ws-authorizer").body.environment.variables.MESSAGE_TYPE_FIELD).toBeUndefined();
  });
});

describe("WebSocketApi routes", () => {
  it("does route to the handler through an AWS_PROXY integration and a permission naming the route when a route is added", () => {
    // prepare / act
    const json = synthApi({}, (api, fns) => api.addRoute("sendaudio", { handler: fns.message }));

    // assess
    const sendaudio = route(json, "sendaudio").body;
    const integration = integrationOf(json, sendaudio).body;
    expect(sendaudio.api_id).toBe(apiRef(json, "id"));
    expect(sendaudio.authorization_type).toBe("NONE");
    expect(integration.integration_type).toBe("AWS_PROXY");
    expect(integration.integration_uri).toBe(functionRef(json, "ws-message", "invoke_arn"));
    const permissions = resourcesOfType(json, "aws_lambda_permission");
    expect(permissions).toHaveLength(1);
    expect(permissions[0]!.body).toMatchObject({
      action: "lambda:InvokeFunction",
      principal: "apigateway.amazonaws.com",
      function_name: functionRef(json, "ws-message", "arn"),
      source_arn: `${apiRef(json, "execution_arn")}/live/sendaudio`,
    });
  });

  it("does name the stage and route in every permission when several routes are added to a named stage", () => {
    // prepare
    const routeKeys = ["$connect", "$disconnect", "sendaudio", "$default"];

    // act
    const json = synthApi({ stageName: "prod" }, (api, fns) => {
      for (const routeKey of routeKeys) {
        api.addRoute(routeKey, { handler: routeKey === "$connect" ? fns.connect : fns.message });
      }
    });

    // assess
    const executionArn = apiRef(json, "execution_arn");
    const permissions = resourcesOfType(json, "aws_lambda_permission");
    expect(permissions).toHaveLength(routeKeys.length);
    for (const routeKey of routeKeys) {
      const integration = integrationOf(json, route(json, routeKey).body).body;
      const permission = permissions.filter((p) => p.body.source_arn === `${executionArn}/prod/${routeKey}`);
      expect(permission, routeKey).toHaveLength(1);
      // The permission is on the function the route's integration invokes.
      const fn = permittedFunction(json, permission[0]!.body);
      expect(resourceRef("aws_lambda_function", fn.name, "invoke_arn")).toBe(integration.integration_uri);
    }
    expect(new Set(permissions.map((p) => p.body.statement_id)).size).toBe(routeKeys.length);
  });

  it("does share one integration when the same handler serves two routes", () => {
    // prepare / act
    const json = synthApi({}, (api, fns) => {
      api.addRoute("sendaudio", { handler: fns.message });
      api.addRoute("audio", { handler: fns.message });
    });

    // assess
    expect(resourcesOfType(json, "aws_apigatewayv2_integration")).toHaveLength(1);
    expect(route(json, "sendaudio").body.target).toBe(route(json, "audio").body.target);
    expect(resourcesOfType(json, "aws_lambda_permission")).toHaveLength(2);
  });

  it.each(["sendaudio", "$connect"])("does throw naming the key when route %s is added twice", (routeKey) => {
    // prepare / act
    const act = () =>
      synthApi({}, (api, fns) => {
        api.addRoute(routeKey, { handler: fns.message });
        api.addRoute(routeKey, { handler: fns.connect });
      });

    // assess
    expect(act).toThrow(`"${routeKey}"`);
  });

  it.each(["send audio", "$unknown", "", "a/b", "x".repeat(129)])("does throw naming the key when route key %j is invalid", (routeKey) => {
    // prepare / act
    const act = () => synthApi({}, (api, fns) => api.addRoute(routeKey, { handler: fns.message }));

    // assess
    expect(act).toThrow(`got "${routeKey}"`);
  });
});

describe("WebSocketApi authorizer", () => {
  it("does guard only $connect with the CUSTOM authorizer when an authorizer is given", () => {
    // prepare / act
    const json = synthApi(
      (fns) => ({ authorizer: { handler: fns.authorizer } }),
      (api, fns) => {
        api.addRoute("$connect", { handler: fns.connect });
        api.addRoute("sendaudio", { handler: fns.message });
        api.addRoute("$disconnect", { handler: fns.connect });
      },
    );

    // assess
    const authorizer = onlyResource(json, "aws_apigatewayv2_authorizer");
    expect(route(json, "$connect").body).toMatchObject({
      authorization_type: "CUSTOM",
      authorizer_id: resourceRef("aws_apigatewayv2_authorizer", authorizer.name, "id"),
    });
    for (const routeKey of ["sendaudio", "$disconnect"]) {
      expect(route(json, routeKey).body.authorization_type, routeKey).toBe("NONE");
      expect(route(json, routeKey).body, routeKey).not.toHaveProperty("authorizer_id");
    }
  });

  it("does create a REQUEST authorizer with the identity sources and its own permission when an authorizer is given", () => {
    // prepare
    const identitySources = ["route.request.header.Authorization", "route.request.querystring.token"];

    // act
    const json = synthApi(
      (fns) => ({ authorizer: { handler: fns.authorizer, identitySources } }),
      (api, fns) => api.addRoute("$connect", { handler: fns.connect }),
    );

    // assess
    const authorizer = onlyResource(json, "aws_apigatewayv2_authorizer");
    expect(authorizer.body).toMatchObject({
      api_id: apiRef(json, "id"),
      authorizer_type: "REQUEST",
      authorizer_uri: functionRef(json, "ws-authorizer", "invoke_arn"),
      identity_sources: identitySources,
    });
    const permission = resourceWhere(json, "aws_lambda_permission", "statement_id", "AllowApiGatewayAuthorizer").body;
    expect(permission).toMatchObject({
      action: "lambda:InvokeFunction",
      principal: "apigateway.amazonaws.com",
      function_name: functionRef(json, "ws-authorizer", "arn"),
      source_arn: `${apiRef(json, "execution_arn")}/authorizers/${resourceRef("aws_apigatewayv2_authorizer", authorizer.name, "id")}`,
    });
  });

  it("does leave $connect open and create no authorizer when none is given", () => {
    // prepare / act
    const json = synthApi({}, (api, fns) => api.addRoute("$connect", { handler: fns.connect }));

    // assess
    expect(resourcesOfType(json, "aws_apigatewayv2_authorizer")).toHaveLength(0);
    expect(route(json, "$connect").body.authorization_type).toBe("NONE");
  });
});

describe("WebSocketApi API key", () => {
  it("does require the x-api-key header on $connect only when apiKeyRequired is set", () => {
    // prepare / act
    const json = synthApi({ apiKeyRequired: true }, (api, fns) => {
      api.addRoute("$connect", { handler: fns.connect });
      api.addRoute("sendaudio", { handler: fns.message });
    });

    // assess
    expect(onlyResource(json, "aws_apigatewayv2_api").body.api_key_selection_expression).toBe("$request.header.x-api-key");
    expect(route(json, "$connect").body.api_key_required).toBe(true);
    expect(route(json, "sendaudio").body).not.toHaveProperty("api_key_required");
  });

  it("does create a key in a throttled usage plan for this API's stage when apiKeyRequired is set", () => {
    // prepare / act
    const json = synthApi({ apiKeyRequired: true, usagePlanThrottle: { rateLimit: 20, burstLimit: 40 } }, withConnect);

    // assess
    const key = onlyResource(json, "aws_api_gateway_api_key");
    const plan = onlyResource(json, "aws_api_gateway_usage_plan");
    const stage = onlyResource(json, "aws_apigatewayv2_stage");
    expect(key.body.enabled).toBe(true);
    expect(plan.body.throttle_settings).toEqual({ rate_limit: 20, burst_limit: 40 });
    expect(plan.body.api_stages).toEqual([
      { api_id: apiRef(json, "id"), stage: resourceRef("aws_apigatewayv2_stage", stage.name, "name") },
    ]);
    expect(onlyResource(json, "aws_api_gateway_usage_plan_key").body).toEqual({
      key_id: resourceRef("aws_api_gateway_api_key", key.name, "id"),
      key_type: "API_KEY",
      usage_plan_id: resourceRef("aws_api_gateway_usage_plan", plan.name, "id"),
    });
  });

  it("does throttle the usage plan at 100 rps with a burst of 200 when no throttle is given", () => {
    // prepare / act
    const json = synthApi({ apiKeyRequired: true }, withConnect);

    // assess
    expect(onlyResource(json, "aws_api_gateway_usage_plan").body.throttle_settings).toEqual({ rate_limit: 100, burst_limit: 200 });
  });

  it("does create no key, plan or plan key when apiKeyRequired is not set", () => {
    // prepare / act
    const json = synthApi({}, (api, fns) => api.addRoute("$connect", { handler: fns.connect }));

    // assess
    for (const type of ["aws_api_gateway_api_key", "aws_api_gateway_usage_plan", "aws_api_gateway_usage_plan_key"]) {
      expect(resourcesOfType(json, type), type).toHaveLength(0);
    }
    expect(route(json, "$connect").body).not.toHaveProperty("api_key_required");
  });
});

describe("WebSocketApi settings that only $connect enforces", () => {
  const cases = [
    ["apiKeyRequired", (_fns: Handlers): Partial<WebSocketApiProps> => ({ apiKeyRequired: true }), "apiKeyRequired needs"],
    ["an authorizer", (fns: Handlers): Partial<WebSocketApiProps> => ({ authorizer: { handler: fns.authorizer } }), "authorizer needs"],
    [
      "apiKeyRequired and an authorizer",
      (fns: Handlers): Partial<WebSocketApiProps> => ({ apiKeyRequired: true, authorizer: { handler: fns.authorizer } }),
      "apiKeyRequired and authorizer need",
    ],
  ] as const;

  /** A stack in a fresh app with an API named "chat" given `props`, and the `routeKeys` routes. */
  function chatStack(
    props: (fns: Handlers) => Partial<WebSocketApiProps>,
    routeKeys: string[],
  ): { stack: TerraformStack; app: ReturnType<typeof Testing.app>; api: WebSocketApi } {
    const app = Testing.app();
    const stack = new TerraformStack(app, "chat");
    const fns = handlers(stack);
    const api = new WebSocketApi(stack, "ws", { name: "chat", ...props(fns) });
    routeKeys.forEach((routeKey) => api.addRoute(routeKey, { handler: fns.message }));
    return { stack, app, api };
  }

  it.each(cases)("refuses %s naming it when no $connect route is added (Testing.synthScope)", (_what, props, setting) => {
    // prepare / act
    const act = () => synthApi(props, (api, fns) => api.addRoute("sendaudio", { handler: fns.message }));

    // assess
    expect(act).toThrow(`WebSocketApi voice: ${setting} a $connect route; add one with addRoute("$connect", ...)`);
  });

  it.each(cases)("refuses %s when no $connect route is added (Testing.synth and Testing.fullSynth)", (_what, props, setting) => {
    // prepare
    const { stack } = chatStack(props, ["$default"]);

    // act
    const synth = () => Testing.synth(stack);
    const fullSynth = () => Testing.fullSynth(stack);

    // assess
    expect(synth).toThrow(`WebSocketApi chat: ${setting} a $connect route`);
    expect(fullSynth).toThrow(`WebSocketApi chat: ${setting} a $connect route`);
  });

  it("refuses an authorizer without $connect when the app synthesizes, as cdktf synth and npm run synth do", () => {
    // prepare
    const { app } = chatStack(cases[2][1], ["$disconnect"]);

    // act
    const act = () => app.synth();

    // assess
    expect(act).toThrow('WebSocketApi chat: apiKeyRequired and authorizer need a $connect route; add one with addRoute("$connect", ...)');
  });

  it("reports the refusal as a validation error of the API when its node is validated", () => {
    // prepare
    const { api } = chatStack(cases[0][1], []);

    // act
    const errors = api.node.validate();

    // assess
    expect(errors).toEqual(['WebSocketApi chat: apiKeyRequired needs a $connect route; add one with addRoute("$connect", ...)']);
  });

  it("accepts apiKeyRequired and an authorizer when $connect is added after the other routes", () => {
    // prepare
    const { stack, api } = chatStack(cases[2][1], ["$default", "$disconnect", "$connect"]);

    // act
    const json = JSON.parse(Testing.synth(stack)) as TerraformJson;

    // assess
    expect(api.node.validate()).toEqual([]);
    expect(route(json, "$connect").body).toMatchObject({ authorization_type: "CUSTOM", api_key_required: true });
  });

  it("accepts an API with neither an API key nor an authorizer when it has no $connect route", () => {
    // prepare
    const { stack, api } = chatStack(() => ({}), ["$default"]);

    // act
    const json = JSON.parse(Testing.synth(stack)) as TerraformJson;

    // assess
    expect(api.node.validate()).toEqual([]);
    expect(resourcesOfType(json, "aws_apigatewayv2_route")).toHaveLength(1);
  });

  it("throws naming the throttle when usagePlanThrottle is given without apiKeyRequired", () => {
    // prepare / act
    const act = () => synthApi({ usagePlanThrottle: { rateLimit: 20 } }, withConnect);

    // assess
    expect(act).toThrow('WebSocketApi voice: usagePlanThrottle needs apiKeyRequired (the usage plan exists only with an API key), got {"rateLimit":20}');
  });
});

describe("WebSocketApi stage", () => {
  it("does throttle every route, collect detailed metrics and write JSON access logs when defaults are used", () => {
    // prepare / act
    const json = synthApi();

    // assess
    const stage = onlyResource(json, "aws_apigatewayv2_stage").body;
    const logGroup = accessLogGroup(json);
    const deployment = onlyResource(json, "aws_apigatewayv2_deployment");
    expect(stage.name).toBe("live");
    expect(stage.deployment_id).toBe(resourceRef("aws_apigatewayv2_deployment", deployment.name, "id"));
    expect(stage.default_route_settings).toMatchObject({
      throttling_rate_limit: 500,
      throttling_burst_limit: 1000,
      detailed_metrics_enabled: true,
      logging_level: "ERROR",
      data_trace_enabled: false,
    });
    expect(stage.access_log_settings.destination_arn).toBe(resourceRef("aws_cloudwatch_log_group", logGroup.name, "arn"));
    const format = JSON.parse(stage.access_log_settings.format) as Record<string, string>;
    expect(format).toMatchObject({
      requestId: "$context.requestId",
      routeKey: "$context.routeKey",
      connectionId: "$context.connectionId",
      status: "$context.status",
    });
    expect(logGroup.body.retention_in_days).toBe(14);
  });

  it("does apply the given throttling and log retention and encrypt logs when they and a key are set", () => {
    // prepare / act
    const json = synthApi({
      stageDefaultRouteSettings: { throttlingRateLimit: 50, throttlingBurstLimit: 75, detailedMetricsEnabled: false },
      cloudwatchLogsRetentionInDays: 30,
      kmsKeyArn: KEY_ARN,
    });

    // assess
    expect(onlyResource(json, "aws_apigatewayv2_stage").body.default_route_settings).toMatchObject({
      throttling_rate_limit: 50,
      throttling_burst_limit: 75,
      detailed_metrics_enabled: false,
    });
    expect(accessLogGroup(json).body).toMatchObject({ retention_in_days: 30, kms_key_id: KEY_ARN });
  });

  it("does trace full messages at the given logging level when data trace is enabled", () => {
    // prepare / act
    const json = synthApi({ stageDefaultRouteSettings: { dataTraceEnabled: true, loggingLevel: "INFO" } });

    // assess
    expect(onlyResource(json, "aws_apigatewayv2_stage").body.default_route_settings).toMatchObject({ data_trace_enabled: true, logging_level: "INFO" });
  });

  it.each([
    ["a stage name with a slash", { stageName: "live/2" }, /"live\/2"/],
    ["a header route selection expression", { routeSelectionExpression: "$request.header.x" }, /"\$request\.header\.x"/],
    ["a nested body field to route on", { routeSelectionExpression: "$request.body.meta.kind" }, /top-level body field.*"\$request\.body\.meta\.kind"/],
    ["a zero throttling rate", { stageDefaultRouteSettings: { throttlingRateLimit: 0 } }, /rate 0/],
    ["a logging level API Gateway does not have", { stageDefaultRouteSettings: { loggingLevel: "DEBUG" } }, /must be OFF, ERROR or INFO, got "DEBUG"/],
    ["a data trace with logging off", { stageDefaultRouteSettings: { dataTraceEnabled: true, loggingLevel: "OFF" } }, /data trace needs a logging level of ERROR or INFO .*got OFF/],
  ] as const)("does throw naming the value when given %s", (_what, props, message) => {
    // prepare / act
    const act = () => synthApi(props as Partial<WebSocketApiProps>);

    // assess
    expect(act).toThrow(message);
  });
});

describe("WebSocketApi deployment", () => {
  const withRoutes = (routeKeys: string[], handlerOf: (fns: Handlers) => NodeFunction = (fns) => fns.message) =>
    synthApi({}, (api, fns) => routeKeys.forEach((routeKey) => api.addRoute(routeKey, { handler: handlerOf(fns) })));

  it("does keep the same redeployment trigger when the routes are the same", () => {
    // prepare / act
    const first = redeploymentTrigger(withRoutes(["$default", "sendaudio"]));
    const second = redeploymentTrigger(withRoutes(["$default", "sendaudio"]));

    // assess
    expect(first).toBe(second);
  });

  it("does change the redeployment trigger when a route is added", () => {
    // prepare / act
    const before = redeploymentTrigger(withRoutes(["$default"]));
    const after = redeploymentTrigger(withRoutes(["$default", "sendaudio"]));

    // assess
    expect(after).not.toBe(before);
  });

  it("does change the redeployment trigger when a route moves to another handler", () => {
    // prepare / act
    const before = redeploymentTrigger(withRoutes(["sendaudio"], (fns) => fns.message));
    const after = redeploymentTrigger(withRoutes(["sendaudio"], (fns) => fns.connect));

    // assess
    expect(after).not.toBe(before);
  });

  it("does reference every route from the trigger so the deployment follows them when routes exist", () => {
    // prepare / act
    const json = withRoutes(["$default", "sendaudio"]);

    // assess
    const trigger = redeploymentTrigger(json);
    for (const { name } of resourcesOfType(json, "aws_apigatewayv2_route")) {
      expect(trigger).toContain(`aws_apigatewayv2_route.${name}.id`);
    }
    expect(onlyResource(json, "aws_apigatewayv2_deployment").body.lifecycle).toEqual({ create_before_destroy: true });
  });
});

describe("WebSocketApi connections table", () => {
  it("does create an on-demand, recoverable, encrypted table with a TTL when defaults are used", () => {
    // prepare / act
    const json = synthApi();

    // assess
    const table = onlyResource(json, "aws_dynamodb_table").body;
    expect(table).toMatchObject({
      name: "voice-connections",
      billing_mode: "PAY_PER_REQUEST",
      hash_key: "connectionId",
      point_in_time_recovery: { enabled: true },
      server_side_encryption: { enabled: true },
      ttl: { enabled: true, attribute_name: "expiresAt" },
      global_secondary_index: [],
    });
  });

  it("does add the indexes, TTL attribute and key when they are given", () => {
    // prepare / act
    const json = synthApi({
      kmsKeyArn: KEY_ARN,
      connectionsTable: {
        name: "custom-connections",
        ttlAttribute: "ttl",
        globalSecondaryIndexes: [{ name: "channel-index", hashKey: "channel", rangeKey: "joinedAt", projectionType: "ALL" }],
      },
    });

    // assess
    const table = onlyResource(json, "aws_dynamodb_table").body;
    expect(table.name).toBe("custom-connections");
    expect(table.ttl).toEqual({ enabled: true, attribute_name: "ttl" });
    expect(table.server_side_encryption).toEqual({ enabled: true, kms_key_arn: KEY_ARN });
    expect(table.global_secondary_index).toEqual([
      { name: "channel-index", hash_key: "channel", range_key: "joinedAt", projection_type: "ALL" },
    ]);
    expect(table.attribute).toEqual(
      expect.arrayContaining([
        { name: "connectionId", type: "S" },
        { name: "channel", type: "S" },
        { name: "joinedAt", type: "S" },
      ]),
    );
    expect(table.attribute).toHaveLength(3);
  });

  it("does give the connections table and its indexes provisioned capacity when the billing asks for it", () => {
    // prepare / act
    const json = synthApi({
      connectionsTable: {
        billingMode: "PROVISIONED",
        readCapacity: 4,
        writeCapacity: 2,
        globalSecondaryIndexes: [{ name: "channel-index", hashKey: "channel" }],
      },
    });

    // assess
    const table = onlyResource(json, "aws_dynamodb_table").body;
    expect(table).toMatchObject({ billing_mode: "PROVISIONED", read_capacity: 4, write_capacity: 2 });
    expect(table.global_secondary_index).toEqual([
      { name: "channel-index", hash_key: "channel", projection_type: "KEYS_ONLY", read_capacity: 4, write_capacity: 2 },
    ]);
  });

  it("refuses provisioned billing of the connections table without capacities", () => {
    // act
    const act = () => synthApi({ connectionsTable: { billingMode: "PROVISIONED" } });

    // assess
    expect(act).toThrow("Table voice-connections: PROVISIONED billing needs readCapacity and writeCapacity as positive whole numbers, got read undefined and write undefined");
  });
});

/** The `execute-api:` resources granted to `functionName`, from the synthesized policy of its role. */
function executeApiResources(json: TerraformJson, functionName: string): string[] {
  return allowing(functionStatements(json, functionName), "execute-api:").flatMap((statement) => {
    expect(statement.actions).toEqual(["execute-api:ManageConnections"]);
    return statement.resources ?? [];
  });
}

/** Two APIs in one scope, "voice" on stage "prod" and "other" on "live", with `grant` applied to the first. */
function synthTwoApis(grant: (api: WebSocketApi, fns: Handlers) => void): TerraformJson {
  return synthScopeJson((scope) => {
    const fns = handlers(scope);
    const api = new WebSocketApi(scope, "ws", { name: "voice", stageName: "prod" });
    new WebSocketApi(scope, "other", { name: "other" });
    grant(api, fns);
  });
}

function executionArnOf(json: TerraformJson, apiName: string): string {
  return resourceRef("aws_apigatewayv2_api", resourceWhere(json, "aws_apigatewayv2_api", "name", apiName).name, "execution_arn");
}

describe("WebSocketApi connection grants", () => {
  it("grants POST, GET and DELETE only on this stage's connections when grantManageConnections is called", () => {
    // prepare / act
    const json = synthTwoApis((api, fns) => api.grantManageConnections(fns.message));

    // assess
    const executionArn = executionArnOf(json, "voice");
    expect(sorted(executeApiResources(json, "ws-message"))).toEqual(
      sorted([
        `${executionArn}/prod/POST/@connections/*`,
        `${executionArn}/prod/GET/@connections/*`,
        `${executionArn}/prod/DELETE/@connections/*`,
      ]),
    );
    expect(executeApiResources(json, "ws-connect")).toEqual([]);
  });

  it("grants POST only on this stage's connections when grantPostToConnections is called", () => {
    // prepare / act
    const json = synthTwoApis((api, fns) => api.grantPostToConnections(fns.message));

    // assess
    expect(executeApiResources(json, "ws-message")).toEqual([`${executionArnOf(json, "voice")}/prod/POST/@connections/*`]);
    expect(executeApiResources(json, "ws-connect")).toEqual([]);
  });

  it.each([
    ["grantManageConnections", (api: WebSocketApi, fn: NodeFunction) => api.grantManageConnections(fn)],
    ["grantPostToConnections", (api: WebSocketApi, fn: NodeFunction) => api.grantPostToConnections(fn)],
  ] as const)("names no other API and no wildcard stage or method when %s is called", (_method, grant) => {
    // prepare / act
    const json = synthTwoApis((api, fns) => grant(api, fns.message));

    // assess
    const resources = executeApiResources(json, "ws-message");
    expect(resources.length).toBeGreaterThan(0);
    for (const resource of resources) {
      expect(resource).not.toContain(executionArnOf(json, "other"));
      expect(resource).toMatch(/^\$\{aws_apigatewayv2_api\.[^.]+\.execution_arn\}\/prod\/(POST|GET|DELETE)\/@connections\/\*$/);
    }
  });
});
