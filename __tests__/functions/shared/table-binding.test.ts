import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EnvironmentError } from "../../../functions/shared/env";
import { indexOn, readTableBinding } from "../../../functions/shared/table-binding";

describe("readTableBinding", () => {
  it("does read the name, TTL attribute and indexes the binding wrote when all are set", () => {
    // prepare
    const env = { CONNECTIONS_TABLE: "chat-connections", CONNECTIONS_TABLE_TTL_ATTRIBUTE: "ttl", CONNECTIONS_TABLE_INDEXES: "room-index:roomId:connectedAt,user-index:userId" };
    // act
    const binding = readTableBinding("CONNECTIONS_TABLE", { ttl: true, indexesOn: ["roomId", "userId"] }, env);
    // assess
    expect(binding).toEqual({
      variable: "CONNECTIONS_TABLE",
      tableName: "chat-connections",
      ttlAttribute: "ttl",
      indexes: [
        { name: "room-index", hashKey: "roomId", rangeKey: "connectedAt" },
        { name: "user-index", hashKey: "userId" },
      ],
    });
    expect(indexOn(binding, "userId").name).toBe("user-index");
  });

  it.each([
    ["the table name is missing", {}, {}, "Environment variable CONNECTIONS_TABLE is not set"],
    ["the TTL attribute is required and missing", { CONNECTIONS_TABLE: "t" }, { ttl: true }, "Environment variable CONNECTIONS_TABLE_TTL_ATTRIBUTE is not set: table t is bound without its TTL attribute"],
    ["a required index is missing", { CONNECTIONS_TABLE: "t", CONNECTIONS_TABLE_INDEXES: "a-index:a" }, { indexesOn: ["b"] }, "Table t (CONNECTIONS_TABLE) has no index on b; its indexes: a-index (a)"],
    ["an index entry is malformed", { CONNECTIONS_TABLE: "t", CONNECTIONS_TABLE_INDEXES: "a-index" }, {}, 'Environment variable CONNECTIONS_TABLE_INDEXES must list name:hashKey[:rangeKey], got "a-index"'],
  ])("does fail at cold start with a message naming it when %s", (_, env, requires, message) => {
    // act
    const reading = () => readTableBinding("CONNECTIONS_TABLE", requires, env);
    // assess
    expect(reading).toThrow(EnvironmentError);
    expect(reading).toThrow(message);
  });

  it("does give back every index it is given when the list is written the way bindTable writes it", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ name: fc.stringMatching(/^[A-Za-z0-9_.-]{3,20}$/), hashKey: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,15}$/), rangeKey: fc.option(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,15}$/), { nil: undefined }) }), { selector: (index) => index.hashKey, maxLength: 5 }),
        (indexes) => {
          // prepare: as NodeFunction.bindTable joins them
          const written = indexes.map((index) => [index.name, index.hashKey, ...(index.rangeKey ? [index.rangeKey] : [])].join(":")).join(",");
          // act
          const binding = readTableBinding("T", {}, { T: "table", T_INDEXES: written });
          // assess
          expect(binding.indexes).toEqual(indexes.map((index) => ({ name: index.name, hashKey: index.hashKey, ...(index.rangeKey ? { rangeKey: index.rangeKey } : {}) })));
        },
      ),
    );
  });
});
