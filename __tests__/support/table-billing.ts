import { describe, expect, it } from "vitest";
import type { TableBilling } from "../../modules/shared/table";
import { resourcesOfType, type TerraformJson } from "../modules/terraform-json";

/**
 * Asserts the billing of every table of a stack, and of each of its indexes: `capacity` on every one of them when
 * provisioned, none anywhere when on demand. Returns how many tables and indexes it checked, so a test can pin them.
 */
function expectEveryTableBilled(json: TerraformJson, capacity?: { read: number; write: number }): { tables: number; indexes: number } {
  const tables = resourcesOfType(json, "aws_dynamodb_table");
  let indexes = 0;
  for (const { name, body } of tables) {
    expect(body.billing_mode, name).toBe(capacity ? "PROVISIONED" : "PAY_PER_REQUEST");
    expect([body.read_capacity, body.write_capacity], name).toEqual([capacity?.read, capacity?.write]);
    for (const index of (body.global_secondary_index ?? []) as Record<string, unknown>[]) {
      expect([index.read_capacity, index.write_capacity], `${name} ${String(index.name)}`).toEqual([capacity?.read, capacity?.write]);
      indexes++;
    }
  }
  return { tables: tables.length, indexes };
}

/** Registers the billing checks of a stack whose config takes `tableBilling`; `counts` pins its tables and indexes. */
export function describeTableBilling(stackId: string, synth: (tableBilling?: TableBilling) => TerraformJson, counts: { tables: number; indexes: number }): void {
  describe(`${stackId} table billing`, () => {
    it("does bill every table and index on demand when no billing is given", () => {
      // act / assess
      expect(expectEveryTableBilled(synth())).toEqual(counts);
    });

    it("does give every table and index the capacity when tableBilling is PROVISIONED", () => {
      // prepare / act
      const provisioned = synth({ billingMode: "PROVISIONED", readCapacity: 5, writeCapacity: 3 });

      // assess
      expect(expectEveryTableBilled(provisioned, { read: 5, write: 3 })).toEqual(counts);
    });
  });
}
