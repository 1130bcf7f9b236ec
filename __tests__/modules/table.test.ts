import { describe, expect, it } from "vitest";
import { SecureTable, type SecureTableProps } from "../../modules/shared/table";
import { onlyResource, synthScopeJson, type TerraformJson } from "./terraform-json";

const INDEXES: SecureTableProps["globalSecondaryIndexes"] = [
  { name: "room-index", hashKey: "roomId" },
  { name: "user-index", hashKey: "userId", projectionType: "ALL" },
];

function synthTable(props: Partial<SecureTableProps> = {}): TerraformJson {
  return synthScopeJson((scope) => {
    new SecureTable(scope, "table", { name: "demo", hashKey: "id", globalSecondaryIndexes: INDEXES, ...props });
  });
}

describe("SecureTable billing", () => {
  it("does bill on demand with no capacity on the table or its indexes when no billing is given", () => {
    // prepare / act
    const table = onlyResource(synthTable(), "aws_dynamodb_table").body;

    // assess
    expect(table.billing_mode).toBe("PAY_PER_REQUEST");
    expect(table.read_capacity).toBeUndefined();
    expect(table.write_capacity).toBeUndefined();
    expect(table.global_secondary_index).toHaveLength(2);
    for (const index of table.global_secondary_index) {
      expect(index.read_capacity, index.name).toBeUndefined();
      expect(index.write_capacity, index.name).toBeUndefined();
    }
  });

  it("does give the table and every index the read and write capacity when billing is PROVISIONED", () => {
    // prepare / act
    const table = onlyResource(synthTable({ billingMode: "PROVISIONED", readCapacity: 5, writeCapacity: 3 }), "aws_dynamodb_table").body;

    // assess
    expect(table).toMatchObject({ billing_mode: "PROVISIONED", read_capacity: 5, write_capacity: 3 });
    expect(table.global_secondary_index).toHaveLength(2);
    for (const index of table.global_secondary_index) {
      expect(index, index.name).toMatchObject({ read_capacity: 5, write_capacity: 3 });
    }
  });

  it.each([
    [{ billingMode: "PROVISIONED" }, "got read undefined and write undefined"],
    [{ billingMode: "PROVISIONED", readCapacity: 5 }, "got read 5 and write undefined"],
    [{ billingMode: "PROVISIONED", readCapacity: 0, writeCapacity: 5 }, "got read 0 and write 5"],
    [{ billingMode: "PROVISIONED", readCapacity: 5, writeCapacity: 2.5 }, "got read 5 and write 2.5"],
    [{ billingMode: "PROVISIONED", readCapacity: -1, writeCapacity: 1 }, "got read -1 and write 1"],
  ] as const)("refuses PROVISIONED billing %j without positive whole capacities", (billing, got) => {
    // act
    const act = () => synthTable(billing);

    // assess
    expect(act).toThrow(`Table demo: PROVISIONED billing needs readCapacity and writeCapacity as positive whole numbers, ${got}`);
  });

  it.each([
    [{ readCapacity: 5 }, "got PAY_PER_REQUEST with read 5 and write undefined"],
    [{ billingMode: "PAY_PER_REQUEST", readCapacity: 5, writeCapacity: 5 }, "got PAY_PER_REQUEST with read 5 and write 5"],
  ] as const)("refuses capacity %j on an on-demand table", (billing, got) => {
    // act
    const act = () => synthTable(billing);

    // assess
    expect(act).toThrow(`Table demo: readCapacity and writeCapacity apply only to PROVISIONED billing, ${got}`);
  });

  it("refuses a billing mode DynamoDB does not have", () => {
    // act
    const act = () => synthTable({ billingMode: "ON_DEMAND" as SecureTableProps["billingMode"] });

    // assess
    expect(act).toThrow('Table demo: billing mode must be PAY_PER_REQUEST or PROVISIONED, got "ON_DEMAND"');
  });
});
