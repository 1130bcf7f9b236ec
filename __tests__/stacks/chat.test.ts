import { describe, expect, it } from "vitest";
import { Testing } from "cdktf";
import { ChatStack, type ChatConfig } from "../../stacks/chat-stack";
import { onlyResource, synthStackJson, type TerraformJson } from "../modules/terraform-json";
import { describeTableBilling } from "../support/table-billing";

const STACK_ID = "chat";

function synthChat(config: Partial<ChatConfig> = {}): TerraformJson {
  const stack = new ChatStack(Testing.app(), STACK_ID, { region: "us-east-1", ...config });
  return synthStackJson(stack);
}

describeTableBilling(STACK_ID, (tableBilling) => synthChat({ tableBilling }), { tables: 3, indexes: 3 });

describe("chat table billing refusals", () => {
  it("refuses PROVISIONED billing without a write capacity", () => {
    // act
    const act = () => synthChat({ tableBilling: { billingMode: "PROVISIONED", readCapacity: 5 } });

    // assess
    expect(act).toThrow("Table chat-connections: PROVISIONED billing needs readCapacity and writeCapacity as positive whole numbers, got read 5 and write undefined");
  });

  it("refuses a capacity on on-demand tables", () => {
    // act
    const act = () => synthChat({ tableBilling: { writeCapacity: 5 } });

    // assess
    expect(act).toThrow("Table chat-connections: readCapacity and writeCapacity apply only to PROVISIONED billing, got PAY_PER_REQUEST with read undefined and write 5");
  });
});

describe("chat stage settings", () => {
  it("does throttle as the seed, log errors only and trace no data when no route settings are given", () => {
    // act
    const settings = onlyResource(synthChat(), "aws_apigatewayv2_stage").body.default_route_settings;

    // assess
    expect(settings).toMatchObject({ throttling_burst_limit: 500, throttling_rate_limit: 1000, detailed_metrics_enabled: true, logging_level: "ERROR", data_trace_enabled: false });
  });

  it("does pass the data trace and logging level to the stage, keeping the seed's throttling, when they are given", () => {
    // prepare / act
    const traced = synthChat({ stageDefaultRouteSettings: { dataTraceEnabled: true, loggingLevel: "INFO" } });

    // assess
    expect(onlyResource(traced, "aws_apigatewayv2_stage").body.default_route_settings).toMatchObject({
      throttling_burst_limit: 500,
      throttling_rate_limit: 1000,
      logging_level: "INFO",
      data_trace_enabled: true,
    });
  });

  it("refuses a data trace with logging off", () => {
    // act
    const act = () => synthChat({ stageDefaultRouteSettings: { dataTraceEnabled: true, loggingLevel: "OFF" } });

    // assess
    expect(act).toThrow("Stage data trace needs a logging level of ERROR or INFO (traces are execution log entries), got OFF");
  });
});
