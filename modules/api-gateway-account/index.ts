import { Construct } from "constructs";
import { ApiGatewayAccount } from "@cdktf/provider-aws/lib/api-gateway-account";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { policyDocument } from "../shared/policy";

/** The AWS managed policy that lets API Gateway create log groups and write stage logs. */
export const PUSH_TO_CLOUDWATCH_LOGS_POLICY_ARN =
  "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs";

export interface ApiGatewayAccountSettingsProps {
  /** Name of the IAM role API Gateway assumes to write logs. @default - "api-gateway-cloudwatch-logs" */
  readonly cloudwatchRoleName?: string;
}

/**
 * The account-wide API Gateway setting (one per account and region) that names the role stages log through.
 * Exactly one stack of an account and region may own it: destroying the owner takes stage logging from every API.
 */
export class ApiGatewayAccountSettings extends Construct {
  public readonly cloudwatchRoleArn: string;

  constructor(scope: Construct, id: string, props: ApiGatewayAccountSettingsProps = {}) {
    super(scope, id);
    const roleName = props.cloudwatchRoleName ?? "api-gateway-cloudwatch-logs";
    if (!/^[\w+=,.@-]{1,64}$/.test(roleName)) {
      throw new Error(`CloudWatch role name must be 1-64 letters, digits or +=,.@_- characters, got "${roleName}"`);
    }

    const role = new IamRole(this, "cloudwatch-role", {
      name: roleName,
      assumeRolePolicy: policyDocument(this, "assume-role", [
        {
          actions: ["sts:AssumeRole"],
          principals: [{ type: "Service", identifiers: ["apigateway.amazonaws.com"] }],
        },
      ]).json,
    });
    new IamRolePolicyAttachment(this, "cloudwatch-policy", {
      role: role.name,
      policyArn: PUSH_TO_CLOUDWATCH_LOGS_POLICY_ARN,
    });
    new ApiGatewayAccount(this, "account", { cloudwatchRoleArn: role.arn });
    this.cloudwatchRoleArn = role.arn;
  }
}
