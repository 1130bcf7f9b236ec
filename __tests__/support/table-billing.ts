import { expect } from "vitest";
import { resourcesOfType, type TerraformJson } from "../modules/terraform-json";

/**
 * Asserts the billing of every table of a stack, and of each of its indexes: `capacity` on every one of them when
 * provisioned, none anywhere when on demand. Returns how many tables and indexes it checked, so a test can pin them.
 */
export function expectEveryTableBilled(json: TerraformJson, capacity?: { read: number; write: number }): { tables: number; indexes: number } {
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
