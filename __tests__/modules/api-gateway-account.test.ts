import { describe, expect, it } from "vitest";
import {
  ApiGatewayAccountSettings,
  PUSH_TO_CLOUDWATCH_LOGS_POLICY_ARN,
  type ApiGatewayAccountSettingsProps,
} from "../../modules/api-gateway-account";
import { onlyResource, policyStatements, resourceRef, synthScopeJson, type TerraformJson } from "./terraform-json";

function synthSettings(props?: ApiGatewayAccountSettingsProps): TerraformJson {
  return synthScopeJson((scope) => new ApiGatewayAccountSettings(scope, "api-gateway-account", props));
}

describe("ApiGatewayAccountSettings", () => {
  it("points the account setting at a role API Gateway may assume when defaults are used", () => {
    // prepare / act
    const json = synthSettings();

    // assess
    const role = onlyResource(json, "aws_iam_role");
    expect(role.body.name).toBe("api-gateway-cloudwatch-logs");
    expect(onlyResource(json, "aws_api_gateway_account").body).toEqual({
      cloudwatch_role_arn: resourceRef("aws_iam_role", role.name, "arn"),
    });
    expect(policyStatements(json, role.body.assume_role_policy)).toEqual([
      { actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["apigateway.amazonaws.com"] }] },
    ]);
  });

  it("attaches only the AWS managed AmazonAPIGatewayPushToCloudWatchLogs policy to the role when synthesized", () => {
    // prepare / act
    const json = synthSettings();

    // assess
    const role = onlyResource(json, "aws_iam_role");
    expect(PUSH_TO_CLOUDWATCH_LOGS_POLICY_ARN).toBe("arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs");
    expect(onlyResource(json, "aws_iam_role_policy_attachment").body).toEqual({
      role: resourceRef("aws_iam_role", role.name, "name"),
      policy_arn: PUSH_TO_CLOUDWATCH_LOGS_POLICY_ARN,
    });
    expect(json.resource?.aws_iam_role_policy).toBeUndefined();
  });

  it("names the role as given when a role name is set", () => {
    // prepare / act
    const json = synthSettings({ cloudwatchRoleName: "arena-api-gateway-logs" });

    // assess
    expect(onlyResource(json, "aws_iam_role").body.name).toBe("arena-api-gateway-logs");
  });

  it.each(["has space", "", "x".repeat(65)])("throws naming the value when the role name is %j", (cloudwatchRoleName) => {
    // prepare / act
    const act = () => synthSettings({ cloudwatchRoleName });

    // assess
    expect(act).toThrow(`got "${cloudwatchRoleName}"`);
  });
});
