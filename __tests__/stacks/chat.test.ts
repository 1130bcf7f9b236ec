import { beforeAll, describe, expect, it } from "vitest";
import { Testing } from "cdktf";
import { ChatStack, type ChatConfig } from "../../stacks/chat-stack";
import { synthStackJson, type TerraformJson } from "../modules/terraform-json";
import { expectEveryTableBilled } from "../support/table-billing";

const STACK_ID = "chat";

function synthChat(config: Partial<ChatConfig> = {}): TerraformJson {
  const stack = new ChatStack(Testing.app(), STACK_ID, { region: "us-east-1", ...config });
  return synthStackJson(stack);
}

let json: TerraformJson;
beforeAll(() => {
  json = synthChat();
});

describe("chat table billing", () => {
  it("does bill the connections, rooms and messages tables on demand when no billing is given", () => {
    // act / assess
    expect(expectEveryTableBilled(json)).toEqual({ tables: 3, indexes: 3 });
  });

  it("does give every table and index the capacity when tableBilling is PROVISIONED", () => {
    // prepare / act
    const provisioned = synthChat({ tableBilling: { billingMode: "PROVISIONED", readCapacity: 5, writeCapacity: 5 } });

    // assess
    expect(expectEveryTableBilled(provisioned, { read: 5, write: 5 })).toEqual({ tables: 3, indexes: 3 });
  });

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
