import { describe, expect, it } from "vitest";
import { Testing } from "cdktf";
import { PokerSignalingStack, type PokerSignalingConfig } from "../../stacks/poker-signaling-stack";
import { onlyResource, resourcesOfType, synthStackJson, type TerraformJson } from "../modules/terraform-json";
import { describeTableBilling } from "../support/table-billing";

function synthPoker(config: PokerSignalingConfig = {}): TerraformJson {
  return synthStackJson(new PokerSignalingStack(Testing.app(), "poker-signaling", config));
}

// The secure-default, IAM and path checks are in every-stack.test.ts; this pins what the seed asks of this stack.
describe("poker-signaling inventory", () => {
  it("does keep the seed's region, names and outputs by default", () => {
    // act
    const json = synthPoker();
    // assess
    expect(json.provider?.aws?.[0]?.region).toBe("us-west-2");
    expect(onlyResource(json, "aws_dynamodb_table").body.name).toBe("poker-signaling-connections");
    expect(resourcesOfType(json, "aws_lambda_function").map((fn) => fn.body.function_name).sort()).toEqual(["poker-signaling-authorizer", "poker-signaling-handler"]);
    expect(onlyResource(json, "aws_apigatewayv2_stage").body.name).toBe("prod");
    expect(Object.keys(json.output ?? {}).sort()).toEqual(["dynamodb_table_name", "lambda_function_name", "user_pool_client_id", "user_pool_id", "websocket_api_id", "websocket_url"]);
    for (const group of resourcesOfType(json, "aws_cloudwatch_log_group")) expect(group.body.retention_in_days, group.name).toBe(7);
  });

  it("does output the TURN secret's ARN when TURN is configured, and take another region and prefix", () => {
    // act
    const json = synthPoker({ region: "eu-west-1", namePrefix: "holdem", iceServers: { turn: { urls: ["turn:turn.example.com:3478"] } } });
    // assess
    expect(json.provider?.aws?.[0]?.region).toBe("eu-west-1");
    expect(onlyResource(json, "aws_secretsmanager_secret").body.name).toBe("holdem-turn-secret");
    expect(json.output).toHaveProperty("turn_secret_arn");
  });
});

describeTableBilling("poker-signaling", (tableBilling) => synthPoker({ tableBilling }), { tables: 1, indexes: 1 });
