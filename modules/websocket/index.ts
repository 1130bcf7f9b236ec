import { createHash } from "node:crypto";
import { Construct } from "constructs";
import { Fn, Lazy } from "cdktf";
import { Apigatewayv2Api } from "@cdktf/provider-aws/lib/apigatewayv2-api";
import { Apigatewayv2Authorizer } from "@cdktf/provider-aws/lib/apigatewayv2-authorizer";
import { Apigatewayv2Deployment } from "@cdktf/provider-aws/lib/apigatewayv2-deployment";
import { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { ApiKey, type UsagePlanThrottle } from "../api-key";
import type { NodeFunction, TableReference } from "../lambda-function";
import { SecureTable, type TableBilling, type TableIndex } from "../shared/table";
import { refuseInvalidAtSynth } from "../shared/validation";

export interface StageRouteSettings {
  /** Steady-state requests per second for each route. @default - 500 */
  readonly throttlingRateLimit?: number;
  /** Burst of requests for each route. @default - 1000 */
  readonly throttlingBurstLimit?: number;
  /** Per-route CloudWatch metrics. @default - true */
  readonly detailedMetricsEnabled?: boolean;
  /** Execution log level: OFF, ERROR or INFO. Execution logs need the account's CloudWatch role (modules/api-gateway-account). @default - "ERROR" */
  readonly loggingLevel?: "OFF" | "ERROR" | "INFO";
  /** Write full messages into the execution logs; needs a logging level other than OFF. @default - false, since messages are users' data */
  readonly dataTraceEnabled?: boolean;
}

const LOGGING_LEVELS = ["OFF", "ERROR", "INFO"];

export interface ConnectionsTableProps extends TableBilling {
  /** Table name. @default - "<name>-connections" */
  readonly name?: string;
  /** Attribute holding the expiry time in epoch seconds. @default - "expiresAt" */
  readonly ttlAttribute?: string;
  /** Indexes on connection attributes (the key is `connectionId`). @default - none */
  readonly globalSecondaryIndexes?: TableIndex[];
}

export interface WebSocketAuthorizerProps {
  /** The function that authorizes `$connect` (REQUEST authorizer). */
  readonly handler: NodeFunction;
  /**
   * Request parameters that must all be present before the authorizer runs, e.g. `route.request.header.Authorization`.
   * @default - none: the authorizer runs on every `$connect`
   */
  readonly identitySources?: string[];
}

export type { UsagePlanThrottle } from "../api-key";

export interface WebSocketApiProps {
  /** API name; also the prefix of the names of its resources. */
  readonly name: string;
  /** What the API is for. @default - none */
  readonly description?: string;
  /** How API Gateway picks a route from a message. @default - "$request.body.action" */
  readonly routeSelectionExpression?: string;
  /** Stage name, the last part of the URL. @default - "live" */
  readonly stageName?: string;
  /** Throttling, metrics and logging of every route. @default - see StageRouteSettings */
  readonly stageDefaultRouteSettings?: StageRouteSettings;
  /**
   * Require an API key (header `x-api-key`) on `$connect`, with a usage plan. Needs a `$connect` route.
   * @default - false
   */
  readonly apiKeyRequired?: boolean;
  /** Throttle of the usage plan; only with `apiKeyRequired`. @default - see UsagePlanThrottle */
  readonly usagePlanThrottle?: UsagePlanThrottle;
  /** REQUEST authorizer on `$connect`; needs a `$connect` route. @default - none */
  readonly authorizer?: WebSocketAuthorizerProps;
  /** The table of open connections. @default - see ConnectionsTableProps */
  readonly connectionsTable?: ConnectionsTableProps;
  /** Days to keep access logs. @default - 14 */
  readonly cloudwatchLogsRetentionInDays?: number;
  /** KMS key for the access log group and the connections table. @default - AWS managed encryption */
  readonly kmsKeyArn?: string;
}

export interface RouteOptions {
  /** The function that handles the route's messages. */
  readonly handler: NodeFunction;
}

/** Fields of the JSON access log line, one per request. */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  extendedRequestId: "$context.extendedRequestId",
  requestTime: "$context.requestTime",
  eventType: "$context.eventType",
  routeKey: "$context.routeKey",
  status: "$context.status",
  connectionId: "$context.connectionId",
  sourceIp: "$context.identity.sourceIp",
  integrationLatency: "$context.integrationLatency",
  authorizerError: "$context.authorizer.error",
  errorMessage: "$context.error.message",
});

const ROUTE_KEY = /^(\$connect|\$disconnect|\$default|[A-Za-z0-9_.:-]{1,128})$/;

/** An API Gateway v2 WebSocket API with a stage, routes to Lambda functions and a connections table. */
export class WebSocketApi extends Construct {
  public readonly apiId: string;
  public readonly apiExecutionArn: string;
  public readonly stageName: string;
  /** `wss://` URL that clients connect to. */
  public readonly stageInvokeUrl: string;
  /** `https://` endpoint of the `@connections` management API. */
  public readonly managementEndpoint: string;
  public readonly connectionsTableName: string;
  public readonly connectionsTableArn: string;
  public readonly connectionsTableTtlAttribute: string;
  /** The connections table as `bindTable` takes it: name, ARN, TTL attribute and indexes. */
  public readonly connectionsTable: TableReference;
  /** The API key clients send as `x-api-key`, when one is required. */
  public readonly apiKeyValue?: string;
  public readonly routeKeys: string[] = [];
  /** The body field the API routes on (`action` in `$request.body.action`); replies carry their kind in it too. */
  public readonly messageTypeField: string;

  private readonly api: Apigatewayv2Api;
  private readonly authorizer?: Apigatewayv2Authorizer;
  private readonly apiKeyRequired: boolean;
  private readonly integrations = new Map<NodeFunction, Apigatewayv2Integration>();
  private readonly routes: Apigatewayv2Route[] = [];
  private readonly deploymentDescription: Record<string, unknown>[] = [];

  constructor(scope: Construct, id: string, props: WebSocketApiProps) {
    super(scope, id);
    const stageName = props.stageName ?? "live";
    const routeSelectionExpression = props.routeSelectionExpression ?? "$request.body.action";
    const routeSettings = props.stageDefaultRouteSettings ?? {};
    const throttlingRateLimit = routeSettings.throttlingRateLimit ?? 500;
    const throttlingBurstLimit = routeSettings.throttlingBurstLimit ?? 1000;
    const loggingLevel = routeSettings.loggingLevel ?? "ERROR";
    const dataTraceEnabled = routeSettings.dataTraceEnabled ?? false;
    const retentionInDays = props.cloudwatchLogsRetentionInDays ?? 14;
    const tableProps = props.connectionsTable ?? {};
    this.apiKeyRequired = props.apiKeyRequired ?? false;
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(stageName)) {
      throw new Error(`Stage name must be letters, digits, hyphens or underscores, got "${stageName}"`);
    }
    // A top-level field: the functions' replies and errors put their kind in the same field, so clients read what they write.
    if (!/^\$request\.body\.[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(routeSelectionExpression)) {
      throw new Error(`Route selection expression must select a top-level body field, as $request.body.action does, got "${routeSelectionExpression}"`);
    }
    this.messageTypeField = routeSelectionExpression.slice("$request.body.".length);
    if (throttlingRateLimit <= 0 || throttlingBurstLimit <= 0) {
      throw new Error(`Stage throttling limits must be positive, got rate ${throttlingRateLimit} and burst ${throttlingBurstLimit}`);
    }
    if (!LOGGING_LEVELS.includes(loggingLevel)) {
      throw new Error(`Stage logging level must be OFF, ERROR or INFO, got "${loggingLevel}"`);
    }
    if (dataTraceEnabled && loggingLevel === "OFF") {
      throw new Error("Stage data trace needs a logging level of ERROR or INFO (traces are execution log entries), got OFF");
    }
    if (props.usagePlanThrottle && !this.apiKeyRequired) {
      throw new Error(
        `WebSocketApi ${props.name}: usagePlanThrottle needs apiKeyRequired (the usage plan exists only with an API key), got ${JSON.stringify(props.usagePlanThrottle)}`,
      );
    }
    // Routes come after the constructor, so what needs one is checked at synth.
    this.node.addValidation({ validate: () => this.settingsWithoutEffect(props.name) });
    refuseInvalidAtSynth(this);

    this.api = new Apigatewayv2Api(this, "api", {
      name: props.name,
      description: props.description,
      protocolType: "WEBSOCKET",
      routeSelectionExpression,
      apiKeySelectionExpression: this.apiKeyRequired ? "$request.header.x-api-key" : undefined,
    });
    this.apiId = this.api.id;
    this.apiExecutionArn = this.api.executionArn;
    this.stageName = stageName;

    const table = new SecureTable(this, "connections", {
      name: tableProps.name ?? `${props.name}-connections`,
      hashKey: "connectionId",
      ttlAttribute: tableProps.ttlAttribute ?? "expiresAt",
      globalSecondaryIndexes: tableProps.globalSecondaryIndexes,
      billingMode: tableProps.billingMode,
      readCapacity: tableProps.readCapacity,
      writeCapacity: tableProps.writeCapacity,
      kmsKeyArn: props.kmsKeyArn,
    });
    this.connectionsTableName = table.tableName;
    this.connectionsTableArn = table.tableArn;
    this.connectionsTableTtlAttribute = tableProps.ttlAttribute ?? "expiresAt";
    this.connectionsTable = table;

    if (props.authorizer) {
      const handler = props.authorizer.handler;
      this.authorizer = new Apigatewayv2Authorizer(this, "authorizer", {
        apiId: this.api.id,
        name: `${props.name}-authorizer`,
        authorizerType: "REQUEST",
        authorizerUri: handler.invokeArn,
        identitySources: props.authorizer.identitySources ?? [],
      });
      new LambdaPermission(this, "authorizer-permission", {
        statementId: "AllowApiGatewayAuthorizer",
        action: "lambda:InvokeFunction",
        functionName: handler.functionArn,
        principal: "apigateway.amazonaws.com",
        sourceArn: `${this.api.executionArn}/authorizers/${this.authorizer.id}`,
      });
      this.deploymentDescription.push({
        authorizer: handler.functionName,
        identitySources: props.authorizer.identitySources ?? [],
      });
    }

    const accessLogs = new CloudwatchLogGroup(this, "access-logs", {
      name: `/aws/apigateway/${props.name}/${stageName}`,
      retentionInDays,
      kmsKeyId: props.kmsKeyArn,
    });

    const deployment = new Apigatewayv2Deployment(this, "deployment", {
      apiId: this.api.id,
      description: "Redeployed whenever a route, an integration or the authorizer changes",
      // The hash changes with any route setting; referencing the route ids also orders the deployment after them.
      triggers: {
        redeployment: Lazy.stringValue({
          produce: () =>
            Fn.sha1(
              Fn.join(",", [
                createHash("sha1")
                  .update(JSON.stringify({ routeSelectionExpression, routes: this.deploymentDescription }))
                  .digest("hex"),
                ...this.routes.map((route) => route.id),
              ]),
            ),
        }),
      },
      lifecycle: { createBeforeDestroy: true },
    });

    const stage = new Apigatewayv2Stage(this, "stage", {
      apiId: this.api.id,
      name: stageName,
      deploymentId: deployment.id,
      accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
      defaultRouteSettings: {
        throttlingRateLimit,
        throttlingBurstLimit,
        detailedMetricsEnabled: routeSettings.detailedMetricsEnabled ?? true,
        loggingLevel,
        dataTraceEnabled,
      },
    });
    this.stageInvokeUrl = stage.invokeUrl;
    this.managementEndpoint = Fn.replace(stage.invokeUrl, "wss://", "https://");

    if (this.apiKeyRequired) {
      const apiKey = new ApiKey(this, "api-key", {
        apiKeyName: `${props.name}-key`,
        usagePlanName: `${props.name}-usage-plan`,
        apiStages: [{ apiId: this.api.id, stage: stage.name }],
        throttleSettings: props.usagePlanThrottle,
      });
      this.apiKeyValue = apiKey.apiKeyValue;
    }
  }

  /** Routes messages whose route key is `routeKey` to a function. `$connect` gets the API key check and the authorizer. */
  public addRoute(routeKey: string, options: RouteOptions): void {
    if (!ROUTE_KEY.test(routeKey)) {
      throw new Error(`Route key must be $connect, $disconnect, $default or a plain action name, got "${routeKey}"`);
    }
    if (this.routeKeys.includes(routeKey)) {
      throw new Error(`Route "${routeKey}" is already defined`);
    }
    const handler = options.handler;
    handler.addEnvironment("MESSAGE_TYPE_FIELD", this.messageTypeField);
    const childId = routeKey.replace(/^\$/, "").replace(/[^A-Za-z0-9-]/g, "-");
    const isConnect = routeKey === "$connect";

    const route = new Apigatewayv2Route(this, `route-${childId}`, {
      apiId: this.api.id,
      routeKey,
      target: `integrations/${this.integrationFor(handler).id}`,
      authorizationType: isConnect && this.authorizer ? "CUSTOM" : "NONE",
      authorizerId: isConnect ? this.authorizer?.id : undefined,
      apiKeyRequired: isConnect && this.apiKeyRequired ? true : undefined,
    });
    new LambdaPermission(this, `permission-${childId}`, {
      statementId: `AllowApiGatewayRoute-${childId}`,
      action: "lambda:InvokeFunction",
      functionName: handler.functionArn,
      principal: "apigateway.amazonaws.com",
      sourceArn: `${this.api.executionArn}/${this.stageName}/${routeKey}`,
    });
    this.routes.push(route);
    this.routeKeys.push(routeKey);
    this.deploymentDescription.push({
      routeKey,
      handler: handler.functionName,
      authorized: isConnect && this.authorizer !== undefined,
      apiKeyRequired: isConnect && this.apiKeyRequired,
    });
  }

  /**
   * Lets a function post messages to this stage's connections (`PostToConnection`), and nothing else:
   * `execute-api:ManageConnections` on `<api>/<stage>/POST/@connections/*`.
   */
  public grantPostToConnections(fn: NodeFunction): void {
    fn.addPolicy("post-to-connections", [
      {
        actions: ["execute-api:ManageConnections"],
        resources: [this.connectionsArn("POST")],
      },
    ]);
  }

  /**
   * Lets a function post to, read and close this stage's connections (`PostToConnection`, `GetConnection`,
   * `DeleteConnection`): `execute-api:ManageConnections` on `<api>/<stage>/{POST,GET,DELETE}/@connections/*`.
   */
  public grantManageConnections(fn: NodeFunction): void {
    fn.addPolicy("manage-connections", [
      {
        actions: ["execute-api:ManageConnections"],
        resources: (["POST", "GET", "DELETE"] as const).map((method) => this.connectionsArn(method)),
      },
    ]);
  }

  /**
   * Lets a function close this stage's connections (`DeleteConnection`), and nothing else:
   * `execute-api:ManageConnections` on `<api>/<stage>/DELETE/@connections/*`.
   */
  public grantCloseConnections(fn: NodeFunction): void {
    fn.addPolicy("close-connections", [{ actions: ["execute-api:ManageConnections"], resources: [this.connectionsArn("DELETE")] }]);
  }

  /** ARN of this stage's `@connections` resources for one HTTP method of the management API. */
  private connectionsArn(method: "POST" | "GET" | "DELETE"): string {
    return `${this.api.executionArn}/${this.stageName}/${method}/@connections/*`;
  }

  /** Settings that only `$connect` enforces, refused while there is no `$connect` route to enforce them. */
  private settingsWithoutEffect(name: string): string[] {
    if (this.routeKeys.includes("$connect")) return [];
    const settings = [...(this.apiKeyRequired ? ["apiKeyRequired"] : []), ...(this.authorizer ? ["authorizer"] : [])];
    if (settings.length === 0) return [];
    return [
      `WebSocketApi ${name}: ${settings.join(" and ")} ${settings.length > 1 ? "need" : "needs"} a $connect route; add one with addRoute("$connect", ...)`,
    ];
  }

  private integrationFor(handler: NodeFunction): Apigatewayv2Integration {
    let integration = this.integrations.get(handler);
    if (!integration) {
      integration = new Apigatewayv2Integration(this, `integration-${handler.node.id}`, {
        apiId: this.api.id,
        integrationType: "AWS_PROXY",
        integrationMethod: "POST",
        integrationUri: handler.invokeArn,
        contentHandlingStrategy: "CONVERT_TO_TEXT",
        passthroughBehavior: "WHEN_NO_MATCH",
      });
      this.integrations.set(handler, integration);
    }
    return integration;
  }
}
