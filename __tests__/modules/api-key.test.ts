import { describe, expect, it } from "vitest";
import { TerraformOutput } from "cdktf";
import { ApiKey, type ApiKeyProps } from "../../modules/api-key";
import { onlyResource, resourceRef, resourcesOfType, synthScopeJson, type TerraformJson } from "./terraform-json";

const baseProps: ApiKeyProps = {
  apiKeyName: "chat-key",
  usagePlanName: "chat-usage-plan",
  apiStages: [{ apiId: "a1b2c3d4e5", stage: "live" }],
};

function synthKey(props: Partial<ApiKeyProps> = {}): TerraformJson {
  return synthScopeJson((scope) => {
    const key = new ApiKey(scope, "api-key", { ...baseProps, ...props });
    new TerraformOutput(scope, "value", { value: key.apiKeyValue, sensitive: true });
  });
}

describe("ApiKey", () => {
  it("puts an enabled key in a usage plan on the given stages, throttled at 100 rps with a burst of 200, when defaults are used", () => {
    // prepare / act
    const json = synthKey();

    // assess
    const key = onlyResource(json, "aws_api_gateway_api_key");
    const plan = onlyResource(json, "aws_api_gateway_usage_plan");
    expect(key.body).toEqual({ name: "chat-key", enabled: true });
    expect(plan.body).toEqual({
      name: "chat-usage-plan",
      api_stages: [{ api_id: "a1b2c3d4e5", stage: "live" }],
      throttle_settings: { rate_limit: 100, burst_limit: 200 },
    });
    expect(onlyResource(json, "aws_api_gateway_usage_plan_key").body).toEqual({
      key_id: resourceRef("aws_api_gateway_api_key", key.name, "id"),
      key_type: "API_KEY",
      usage_plan_id: resourceRef("aws_api_gateway_usage_plan", plan.name, "id"),
    });
    expect(json.output?.value?.value).toBe(resourceRef("aws_api_gateway_api_key", key.name, "value"));
  });

  it("throttles the plan as given on every stage when a throttle and several stages are set", () => {
    // prepare
    const apiStages = [
      { apiId: "a1b2c3d4e5", stage: "live" },
      { apiId: "f6g7h8i9j0", stage: "beta" },
    ];

    // act
    const json = synthKey({ apiStages, throttleSettings: { rateLimit: 20, burstLimit: 40 } });

    // assess
    const plans = resourcesOfType(json, "aws_api_gateway_usage_plan");
    expect(plans).toHaveLength(1);
    expect(plans[0]!.body.api_stages).toEqual([
      { api_id: "a1b2c3d4e5", stage: "live" },
      { api_id: "f6g7h8i9j0", stage: "beta" },
    ]);
    expect(plans[0]!.body.throttle_settings).toEqual({ rate_limit: 20, burst_limit: 40 });
  });

  it.each([
    ["no API stage", { apiStages: [] }, "API key chat-key needs at least one API stage, got none"],
    ["a zero rate", { throttleSettings: { rateLimit: 0 } }, "got rate 0 and burst 200"],
    ["a negative burst", { throttleSettings: { burstLimit: -1 } }, "got rate 100 and burst -1"],
  ] as const)("throws naming the value when given %s", (_what, props, message) => {
    // prepare / act
    const act = () => synthKey(props as Partial<ApiKeyProps>);

    // assess
    expect(act).toThrow(message);
  });
});
