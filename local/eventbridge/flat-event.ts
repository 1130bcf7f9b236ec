/**
 * An event flattened the way aws/event-ruler flattens it for matching: every leaf value sits at
 * the path of the keys leading to it, joined by ".", so `{"a": {"b": 1}}` and `{"a.b": 1}` both put
 * 1 at "a.b". Each value remembers which element of which event array it came from, so a pattern
 * never combines fields from different elements of one array.
 */

export type Leaf = string | number | boolean | null;

/** Pairs of (array id, element index), one per event array enclosing the value. */
export type Membership = readonly (readonly [arrayId: number, index: number])[];

export interface FieldValue {
  readonly leaf: Leaf;
  readonly membership: Membership;
}

export interface FlatEvent {
  /** Every leaf value at the path, in event order; empty when the path holds none. */
  valuesAt(path: string): readonly FieldValue[];
  /** The ids of the event arrays enclosing some value at the path. */
  arraysAt(path: string): ReadonlySet<number>;
}

/** Joins a path and a key the same way for patterns and events. */
export function joinPath(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/** Flattens an event object; objects and empty arrays hold no leaf, so they add no value. */
export function flattenEvent(event: { readonly [key: string]: unknown }): FlatEvent {
  const fields = new Map<string, FieldValue[]>();
  let arrayCount = 0;
  const visit = (value: unknown, path: string, membership: Membership): void => {
    if (Array.isArray(value)) {
      const arrayId = arrayCount++;
      value.forEach((element, index) => visit(element, path, [...membership, [arrayId, index]]));
    } else if (typeof value === "object" && value !== null) {
      for (const [key, child] of Object.entries(value)) visit(child, joinPath(path, key), membership);
    } else if (isLeaf(value)) {
      const values = fields.get(path);
      if (values === undefined) fields.set(path, [{ leaf: value, membership }]);
      else values.push({ leaf: value, membership });
    }
  };
  for (const [key, child] of Object.entries(event)) visit(child, key, []);

  const arrays = new Map<string, Set<number>>();
  return {
    valuesAt: (path) => fields.get(path) ?? [],
    arraysAt: (path) => {
      let ids = arrays.get(path);
      if (ids === undefined) {
        ids = new Set((fields.get(path) ?? []).flatMap((value) => value.membership.map(([id]) => id)));
        arrays.set(path, ids);
      }
      return ids;
    },
  };
}

/** The union of two memberships, or undefined when they name different elements of one array. */
export function mergeMembership(a: Membership, b: Membership): Membership | undefined {
  let merged: (readonly [number, number])[] | undefined;
  for (const [arrayId, index] of b) {
    const mine = a.find(([id]) => id === arrayId);
    if (mine === undefined) (merged ??= [...a]).push([arrayId, index]);
    else if (mine[1] !== index) return undefined;
  }
  return merged ?? a;
}

function isLeaf(value: unknown): value is Leaf {
  return value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}
