import { Construct } from "constructs";
import { ApiGatewayApiKey } from "@cdktf/provider-aws/lib/api-gateway-api-key";
import { ApiGatewayUsagePlan } from "@cdktf/provider-aws/lib/api-gateway-usage-plan";
import { ApiGatewayUsagePlanKey } from "@cdktf/provider-aws/lib/api-gateway-usage-plan-key";

export interface UsagePlanThrottle {
  /** Requests per second across the API key. @default - 100 */
  readonly rateLimit?: number;
  /** Burst across the API key. @default - 200 */
  readonly burstLimit?: number;
}

export interface UsagePlanApiStage {
  /** ID of the API (REST or WebSocket). */
  readonly apiId: string;
  /** Name of the API's stage. */
  readonly stage: string;
}

export interface ApiKeyProps {
  /** Name of the API key. */
  readonly apiKeyName: string;
  /** Name of the usage plan the key belongs to. */
  readonly usagePlanName: string;
  /** The API stages the key opens; at least one. */
  readonly apiStages: UsagePlanApiStage[];
  /** Throttle of the usage plan. @default - see UsagePlanThrottle */
  readonly throttleSettings?: UsagePlanThrottle;
}

/** An enabled API key in a throttled usage plan on the given API stages. */
export class ApiKey extends Construct {
  public readonly apiKeyId: string;
  /** The secret clients send as `x-api-key`. */
  public readonly apiKeyValue: string;
  public readonly usagePlanId: string;

  constructor(scope: Construct, id: string, props: ApiKeyProps) {
    super(scope, id);
    const rateLimit = props.throttleSettings?.rateLimit ?? 100;
    const burstLimit = props.throttleSettings?.burstLimit ?? 200;
    if (props.apiStages.length === 0) {
      throw new Error(`API key ${props.apiKeyName} needs at least one API stage, got none`);
    }
    if (rateLimit <= 0 || burstLimit <= 0) {
      throw new Error(`Usage plan throttle limits must be positive, got rate ${rateLimit} and burst ${burstLimit}`);
    }

    const key = new ApiGatewayApiKey(this, "key", { name: props.apiKeyName, enabled: true });
    const plan = new ApiGatewayUsagePlan(this, "usage-plan", {
      name: props.usagePlanName,
      apiStages: props.apiStages.map((stage) => ({ apiId: stage.apiId, stage: stage.stage })),
      throttleSettings: { rateLimit, burstLimit },
    });
    new ApiGatewayUsagePlanKey(this, "usage-plan-key", {
      keyId: key.id,
      keyType: "API_KEY",
      usagePlanId: plan.id,
    });
    this.apiKeyId = key.id;
    this.apiKeyValue = key.value;
    this.usagePlanId = plan.id;
  }
}
