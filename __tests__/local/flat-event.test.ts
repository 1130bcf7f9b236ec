import { describe, expect, it } from "vitest";
import { flattenEvent, mergeMembership } from "../../local/eventbridge/flat-event";

describe("flattenEvent", () => {
  it("puts a leaf at one dotted path whether the event nests its keys or dots them", () => {
    const flat = flattenEvent({ detail: { state: { status: "a" }, "state.status": "b" }, "detail.state.status": "c" });

    const leaves = flat.valuesAt("detail.state.status").map((value) => value.leaf);

    expect(leaves).toEqual(["a", "b", "c"]);
  });

  it("holds no value at a path whose field is an object or an empty array", () => {
    const flat = flattenEvent({ detail: { state: { code: 1 }, tags: [] } });

    const found = [flat.valuesAt("detail.state"), flat.valuesAt("detail.tags")];

    expect(found).toEqual([[], []]);
  });

  it("tells the elements of one event array apart and lets values outside it go with any", () => {
    const flat = flattenEvent({ items: [{ name: "a" }, { name: "b" }], owner: "x" });
    const [first, second] = flat.valuesAt("items.name").map((value) => value.membership);
    const [owner] = flat.valuesAt("owner").map((value) => value.membership);

    const merged = [mergeMembership(first, second), mergeMembership(first, owner), mergeMembership(first, first)];

    expect(merged).toEqual([undefined, first, first]);
    expect([...flat.arraysAt("items.name")]).toHaveLength(1);
    expect([...flat.arraysAt("owner")]).toEqual([]);
  });
});
