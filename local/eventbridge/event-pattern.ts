/**
 * Amazon EventBridge event pattern matching, for running rules locally.
 *
 * Semantics follow the EventBridge user guide ("Event patterns", "Content filtering in Amazon
 * EventBridge event patterns", "Comparison operators") and, where the guide is silent, AWS's
 * reference implementation aws/event-ruler. A pattern is validated and compiled once into
 * alternatives of conditions on "."-joined field paths, and each event is flattened once into the
 * values at such paths, so a path matches however either side nests or dots its keys.
 */
import { isIP } from "node:net";
import { flattenEvent, joinPath, mergeMembership, type FlatEvent, type Leaf, type Membership } from "./flat-event";

export class InvalidEventPatternError extends Error {
  readonly code = "InvalidEventPatternException";

  constructor(message: string) {
    super(message);
    this.name = "InvalidEventPatternError";
  }
}

export interface CompiledPattern {
  /** Whether the event (an already parsed JSON object) matches the pattern. */
  matches(event: unknown): boolean;
}

/** Validates an event pattern (JSON text or parsed object) and compiles it into a matcher. */
export function parseEventPattern(pattern: string | unknown): CompiledPattern {
  const root = typeof pattern === "string" ? parseJson(pattern) : pattern;
  if (!isJsonObject(root)) {
    throw invalid(`Event pattern must be a JSON object, got ${describe(root)}`);
  }
  const alternatives = compileObject(root, "", false).map(lastConditionPerPath);
  return {
    matches: (event) => {
      if (!isJsonObject(event)) return false;
      const flat = flatEventOf(event);
      return alternatives.some((conditions) => satisfies(conditions, flat));
    },
  };
}

/** Parses the pattern and matches one event against it. */
export function matchesEventPattern(pattern: string | unknown, event: unknown): boolean {
  return parseEventPattern(pattern).matches(event);
}

type JsonObject = { [key: string]: unknown };
/** Tests one leaf value of the event. */
type ValueTest = (leaf: Leaf) => boolean;
type StringTest = (text: string) => boolean;

/** One entry of a leaf array: a test of a present value, or exists: false. */
type LeafEntry = { readonly test: ValueTest } | { readonly absent: true };

/** What a pattern asks of the values at one flattened path. */
interface FieldCondition {
  readonly path: string;
  /** Holds for a present value; undefined when only an absent field satisfies the condition. */
  readonly test: ValueTest | undefined;
  /** Whether an absent field satisfies the condition (an exists: false entry). */
  readonly orAbsent: boolean;
}

/** Conditions that must all hold; a pattern compiles to alternatives of these ($or expanded). */
type Conjunction = readonly FieldCondition[];

/** EventBridge only handles numbers in -5.0e9..5.0e9 for numeric and anything-but matching. */
const NUMBER_LIMIT = 5e9;

/** Field names event-ruler refuses inside "$or", so a misplaced operator is not taken for a field. */
const OR_RESERVED_NAMES = new Set([
  "exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists", "wildcard",
  "numeric", "cidr", "=", "<", "<=", ">", ">=", "regex", "not-wildcard", "not-equals-ignore-case",
  "date-after", "date-on-or-after", "date-before", "date-on-or-before", "in-date-range",
  "ip-address-in-range", "ip-address-not-in-range",
]);

// ---------------------------------------------------------------------------------------------
// Structure: objects, fields, $or, leaf arrays, compiled to conditions on flattened paths
// ---------------------------------------------------------------------------------------------

// Like event-ruler, a pattern's keys join into "."-separated paths whatever nesting spelled them,
// so {"a": {"b": [1]}} and {"a.b": [1]} are the same pattern and match the same flattened events.
function compileObject(pattern: JsonObject, path: string, insideOr: boolean): Conjunction[] {
  const keys = Object.keys(pattern);
  if (keys.length === 0) throw invalid(`Empty objects are not allowed${at(path)}`);
  return keys
    .map((key) => compileField(key, pattern[key], path, insideOr))
    .reduce((left, right) => left.flatMap((a) => right.map((b) => [...a, ...b])));
}

function compileField(key: string, value: unknown, path: string, insideOr: boolean): Conjunction[] {
  if (key === "$or") return compileOr(value, path);
  if (insideOr && OR_RESERVED_NAMES.has(key)) {
    throw invalid(`Field name "${key}" is reserved and cannot be used inside $or${at(path)}`);
  }
  const fieldPath = joinPath(path, key);
  if (Array.isArray(value)) return [[compileLeafArray(value, fieldPath)]];
  if (isJsonObject(value)) return compileObject(value, fieldPath, insideOr);
  throw invalid(`Field "${fieldPath}" must be an object or an array, got ${describe(value)}`);
}

/** "$or": [ {...}, {...} ] holds when any alternative matches the object holding the "$or". */
function compileOr(value: unknown, path: string): Conjunction[] {
  if (!Array.isArray(value)) {
    throw invalid(`$or must be an array of objects, got ${describe(value)}${at(path)}`);
  }
  if (value.length < 2) {
    throw invalid(`$or needs at least 2 alternatives, got ${value.length}${at(path)}`);
  }
  return value.flatMap((alternative) => {
    if (!isJsonObject(alternative)) {
      throw invalid(`$or alternatives must be objects, got ${describe(alternative)}${at(path)}`);
    }
    return compileObject(alternative, path, true);
  });
}

/**
 * A path given twice in one alternative (nested and dotted, or outside and inside "$or") keeps its
 * last condition in document order, as event-ruler does unless told to refuse path overriding.
 */
function lastConditionPerPath(conditions: Conjunction): Conjunction {
  return [...new Map(conditions.map((condition) => [condition.path, condition])).values()];
}

/** A leaf array matches when any of its entries matches (OR). */
function compileLeafArray(entries: readonly unknown[], path: string): FieldCondition {
  if (entries.length === 0) throw invalid(`Empty arrays are not allowed${at(path)}`);
  const compiled = entries.map((entry) =>
    isJsonObject(entry) ? compileOperator(entry, path) : { test: compileExact(entry, path) },
  );
  const tests = compiled.flatMap((entry) => ("test" in entry ? [entry.test] : []));
  return {
    path,
    test: tests.length === 0 ? undefined : (leaf) => tests.some((test) => test(leaf)),
    orAbsent: compiled.some((entry) => "absent" in entry),
  };
}

function compileExact(value: unknown, path: string): ValueTest {
  if (typeof value === "string") return exactString(value);
  if (value === null || typeof value === "boolean") return (leaf) => leaf === value;
  if (typeof value === "number" && Number.isFinite(value)) {
    // Numbers compare numerically: 300 in a pattern matches 300.0 in an event
    return (leaf) => leaf === value;
  }
  throw invalid(
    `Match value must be a string, number, boolean, null or operator object, got ${describe(value)}${at(path)}`,
  );
}

function exactString(expected: string): ValueTest {
  const address = ipBytes(expected);
  if (address === undefined) return (leaf) => leaf === expected;
  // event-ruler compares IP address literals by address, so "::1" also matches "0:0:0:0:0:0:0:1"
  return (leaf) =>
    leaf === expected || (typeof leaf === "string" && sameBytes(ipBytes(leaf), address));
}

// ---------------------------------------------------------------------------------------------
// Matching: pick one value per condition, all from the same elements of any shared event array
// ---------------------------------------------------------------------------------------------

const flatEvents = new WeakMap<object, FlatEvent>();

/** Routing matches one event against every rule, so it is flattened once (events are not mutated). */
function flatEventOf(event: JsonObject): FlatEvent {
  let flat = flatEvents.get(event);
  if (flat === undefined) {
    flat = flattenEvent(event);
    flatEvents.set(event, flat);
  }
  return flat;
}

/**
 * Searches for one value per condition whose array memberships agree. An exists: false condition
 * holds when no value at its path agrees with the values chosen for the others, so a nested
 * pattern over an array of objects is met by one element as a whole.
 */
function satisfies(conditions: Conjunction, flat: FlatEvent): boolean {
  // Only arrays that a later condition (or an absence check) can see constrain the choice, so
  // values differing elsewhere are one choice, which keeps large arrays from multiplying the search
  const relevant = conditions.map((_, index) => {
    const ids = new Set<number>();
    conditions.forEach((other, otherIndex) => {
      if (otherIndex > index || other.orAbsent) for (const id of flat.arraysAt(other.path)) ids.add(id);
    });
    return ids;
  });
  const absentChecks: FieldCondition[] = [];
  const search = (index: number, membership: Membership): boolean => {
    if (index === conditions.length) {
      return absentChecks.every((check) =>
        flat.valuesAt(check.path).every((value) => mergeMembership(membership, value.membership) === undefined),
      );
    }
    const condition = conditions[index];
    const { test } = condition;
    if (test !== undefined) {
      const tried = new Set<string>();
      for (const value of flat.valuesAt(condition.path)) {
        if (!test(value.leaf)) continue;
        const merged = mergeMembership(membership, value.membership);
        if (merged === undefined) continue;
        const kept = merged.filter(([id]) => relevant[index].has(id));
        const key = kept.map(([id, element]) => `${id}:${element}`).join(",");
        if (tried.has(key)) continue;
        tried.add(key);
        if (search(index + 1, kept)) return true;
      }
    }
    if (!condition.orAbsent) return false;
    absentChecks.push(condition);
    const found = search(index + 1, membership);
    absentChecks.pop();
    return found;
  };
  return search(0, []);
}

// ---------------------------------------------------------------------------------------------
// Operators: { "<name>": operand } entries of a leaf array
// ---------------------------------------------------------------------------------------------

type OperatorCompiler = (operand: unknown, path: string) => LeafEntry;

const OPERATORS = new Map<string, OperatorCompiler>([
  ["prefix", (operand, path) => ({ test: onStrings(compileAffix("prefix", operand, path)) })],
  ["suffix", (operand, path) => ({ test: onStrings(compileAffix("suffix", operand, path)) })],
  [
    "equals-ignore-case",
    (operand, path) =>
      ({ test: onStrings(equalsIgnoreCase(requireString(operand, "Equals-ignore-case", path))) }),
  ],
  [
    "wildcard",
    (operand, path) =>
      ({ test: onStrings(wildcard(requireString(operand, "Wildcard match", path), path)) }),
  ],
  ["anything-but", (operand, path) => ({ test: compileAnythingBut(operand, path) })],
  ["numeric", (operand, path) => ({ test: compileNumeric(operand, path) })],
  ["cidr", (operand, path) => ({ test: compileCidr(operand, path) })],
  ["exists", compileExists],
]);

function compileOperator(expression: JsonObject, path: string): LeafEntry {
  const names = Object.keys(expression);
  if (names.length !== 1) {
    throw invalid(
      `Match expression must have exactly one key, got ${describe(expression)}${at(path)}`,
    );
  }
  const name = names[0];
  const compile = OPERATORS.get(name);
  if (compile === undefined) throw invalid(`Unrecognized match type "${name}"${at(path)}`);
  return compile(expression[name], path);
}

/**
 * exists only looks at leaf values: a field holding null counts as present (like event-ruler),
 * while a field holding only an object or an empty array counts as absent.
 */
function compileExists(operand: unknown, path: string): LeafEntry {
  if (typeof operand !== "boolean") {
    throw invalid(`Exists match needs true or false, got ${describe(operand)}${at(path)}`);
  }
  return operand ? { test: () => true } : { absent: true };
}

/** prefix / suffix take a string or { "equals-ignore-case": string }. */
function compileAffix(kind: "prefix" | "suffix", operand: unknown, path: string): StringTest {
  if (typeof operand === "string") return kind === "prefix" ? startsWith(operand) : endsWith(operand);
  if (isJsonObject(operand)) {
    const names = Object.keys(operand);
    const text = operand["equals-ignore-case"];
    if (names.length === 1 && typeof text === "string") {
      const folded = fold(text);
      return kind === "prefix"
        ? (candidate) => fold(candidate).startsWith(folded)
        : (candidate) => fold(candidate).endsWith(folded);
    }
  }
  const label = kind === "prefix" ? "Prefix" : "Suffix";
  throw invalid(
    `${label} match needs a string or {"equals-ignore-case": string}, got ${describe(operand)}${at(path)}`,
  );
}

/**
 * anything-but matches a present leaf value that is not excluded. String exclusions (lists,
 * prefix, suffix, equals-ignore-case, wildcard) never exclude numbers, booleans or null, and
 * number exclusions never exclude strings. An absent field has no leaf value, so never matches.
 */
function compileAnythingBut(operand: unknown, path: string): ValueTest {
  const isExcluded = isJsonObject(operand)
    ? onStrings(compileStringExclusion(operand, path))
    : compileValueExclusion(operand, path);
  return (leaf) => !isExcluded(leaf);
}

/** "anything-but": "x" | 5 | ["x", "y"] | [1, 2]: the values must be all strings or all numbers. */
function compileValueExclusion(operand: unknown, path: string): ValueTest {
  const values = Array.isArray(operand) ? operand : [operand];
  if (values.length === 0) throw invalid(`Anything-but list must not be empty${at(path)}`);
  if (values.every((value) => typeof value === "string")) {
    const excluded = new Set(values);
    return (leaf) => typeof leaf === "string" && excluded.has(leaf);
  }
  if (values.every((value) => typeof value === "number")) {
    const excluded = new Set(values.map((value) => checkNumber(value, path)));
    return (leaf) => typeof leaf === "number" && excluded.has(leaf);
  }
  throw invalid(
    `Anything-but needs a string, a number, or a list of only strings or only numbers, got ${describe(operand)}${at(path)}`,
  );
}

/** "anything-but": { "prefix" | "suffix" | "equals-ignore-case" | "wildcard": "x" | ["x", "y"] } */
const EXCLUSIONS = new Map<string, (text: string, path: string) => StringTest>([
  ["prefix", (text, path) => startsWith(nonEmptyAffix(text, "prefix", path))],
  ["suffix", (text, path) => endsWith(nonEmptyAffix(text, "suffix", path))],
  ["equals-ignore-case", (text) => equalsIgnoreCase(text)],
  ["wildcard", (text, path) => wildcard(text, path)],
]);

function compileStringExclusion(operand: JsonObject, path: string): StringTest {
  const names = Object.keys(operand);
  if (names.length !== 1) {
    throw invalid(
      `Anything-but expression must have exactly one key, got ${describe(operand)}${at(path)}`,
    );
  }
  const name = names[0];
  const compile = EXCLUSIONS.get(name);
  if (compile === undefined) {
    throw invalid(`Unsupported anything-but match type "${name}"${at(path)}`);
  }
  const raw = operand[name];
  const texts = typeof raw === "string" ? [raw] : raw;
  if (!Array.isArray(texts) || texts.length === 0 || !texts.every((text) => typeof text === "string")) {
    throw invalid(
      `Anything-but "${name}" needs a string or a non-empty list of strings, got ${describe(raw)}${at(path)}`,
    );
  }
  const tests = texts.map((text: string) => compile(text, path));
  return (text) => tests.some((test) => test(text));
}

function nonEmptyAffix(text: string, kind: string, path: string): string {
  if (text === "") throw invalid(`Anything-but "${kind}" must not be empty${at(path)}`);
  return text;
}

function onStrings(test: StringTest): ValueTest {
  return (leaf) => typeof leaf === "string" && test(leaf);
}

function startsWith(prefix: string): StringTest {
  return (text) => text.startsWith(prefix);
}

function endsWith(suffix: string): StringTest {
  return (text) => text.endsWith(suffix);
}

function equalsIgnoreCase(expected: string): StringTest {
  const folded = fold(expected);
  return (text) => fold(text) === folded;
}

function fold(text: string): string {
  return text.toLowerCase();
}

function requireString(operand: unknown, label: string, path: string): string {
  if (typeof operand !== "string") {
    throw invalid(`${label} needs a string, got ${describe(operand)}${at(path)}`);
  }
  return operand;
}

// ---------------------------------------------------------------------------------------------
// Wildcard: "*" matches any run of characters, "\*" a literal star, "\\" a backslash
// ---------------------------------------------------------------------------------------------

function wildcard(pattern: string, path: string): StringTest {
  const pieces = splitWildcard(pattern, path);
  if (pieces.length === 1) {
    const literal = pieces[0];
    return (text) => text === literal;
  }
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  const middle = pieces.slice(1, -1);
  // Taking each middle piece at its leftmost place is enough when "*" is the only wildcard,
  // and keeps matching linear (no regular expression backtracking)
  return (text) => {
    if (text.length < first.length + last.length) return false;
    if (!text.startsWith(first) || !text.endsWith(last)) return false;
    const end = text.length - last.length;
    let position = first.length;
    for (const piece of middle) {
      const found = text.indexOf(piece, position);
      if (found === -1 || found + piece.length > end) return false;
      position = found + piece.length;
    }
    return true;
  };
}

/** The literal runs between unescaped stars: "a*b\*c" gives ["a", "b*c"]. */
function splitWildcard(pattern: string, path: string): string[] {
  const pieces: string[] = [];
  let piece = "";
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === "*") {
      if (pattern[index + 1] === "*") {
        throw invalid(
          `Wildcard ${describe(pattern)} has consecutive "*" at position ${index}${at(path)}`,
        );
      }
      pieces.push(piece);
      piece = "";
    } else if (char === "\\") {
      const next = pattern[index + 1];
      if (next !== "*" && next !== "\\") {
        throw invalid(
          `Wildcard ${describe(pattern)} has an invalid escape at position ${index}, only "\\*" and "\\\\" are allowed${at(path)}`,
        );
      }
      piece += next;
      index++;
    } else {
      piece += char;
    }
  }
  pieces.push(piece);
  return pieces;
}

// ---------------------------------------------------------------------------------------------
// Numeric: ["=", n] | [">" | ">=" | "<" | "<=", n] | [">" | ">=", low, "<" | "<=", high]
// ---------------------------------------------------------------------------------------------

interface Bound {
  readonly value: number;
  readonly inclusive: boolean;
}

const NUMERIC_OPERATORS = new Set(["=", "<", "<=", ">", ">="]);

function compileNumeric(operand: unknown, path: string): ValueTest {
  if (!Array.isArray(operand) || operand.length === 0) {
    throw invalid(
      `Numeric match needs a non-empty array such as [">", 0, "<=", 5], got ${describe(operand)}${at(path)}`,
    );
  }
  const [operator, value, ...rest] = operand;
  const first = numericTerm(operator, value, path);
  let lower: Bound | undefined;
  let upper: Bound | undefined;
  if (first.operator === "=") {
    lower = upper = { value: first.value, inclusive: true };
  } else if (first.operator === "<" || first.operator === "<=") {
    upper = { value: first.value, inclusive: first.operator === "<=" };
  } else {
    lower = { value: first.value, inclusive: first.operator === ">=" };
  }

  if (rest.length > 0) {
    const [upperOperator, upperValue, ...extra] = rest;
    if (upper !== undefined) throw tooManyTerms(operand, path);
    if (upperOperator !== "<" && upperOperator !== "<=") {
      throw invalid(
        `Numeric range upper bound needs "<" or "<=", got ${describe(upperOperator)}${at(path)}`,
      );
    }
    const second = numericTerm(upperOperator, upperValue, path);
    if (extra.length > 0) throw tooManyTerms(operand, path);
    if (!(first.value < second.value)) {
      throw invalid(
        `Numeric range lower bound ${first.value} must be less than upper bound ${second.value}${at(path)}`,
      );
    }
    upper = { value: second.value, inclusive: upperOperator === "<=" };
  }

  const low = lower;
  const high = upper;
  return (leaf) =>
    typeof leaf === "number" &&
    Math.abs(leaf) <= NUMBER_LIMIT &&
    (low === undefined || (low.inclusive ? leaf >= low.value : leaf > low.value)) &&
    (high === undefined || (high.inclusive ? leaf <= high.value : leaf < high.value));
}

function numericTerm(
  operator: unknown,
  value: unknown,
  path: string,
): { operator: string; value: number } {
  if (typeof operator !== "string" || !NUMERIC_OPERATORS.has(operator)) {
    throw invalid(`Unrecognized numeric operator ${describe(operator)}${at(path)}`);
  }
  if (typeof value !== "number") {
    throw invalid(`Numeric operator "${operator}" needs a number, got ${describe(value)}${at(path)}`);
  }
  return { operator, value: checkNumber(value, path) };
}

function tooManyTerms(operand: readonly unknown[], path: string): InvalidEventPatternError {
  return invalid(`Numeric match has too many elements: ${describe(operand)}${at(path)}`);
}

function checkNumber(value: number, path: string): number {
  if (!Number.isFinite(value) || Math.abs(value) > NUMBER_LIMIT) {
    throw invalid(
      `Number ${describe(value)} is outside the supported range -5e9 to 5e9${at(path)}`,
    );
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// IP addresses and CIDR blocks
// ---------------------------------------------------------------------------------------------

// The shapes event-ruler treats as IP address literals (no dotted IPv6 tails, no zone ids)
const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

function compileCidr(operand: unknown, path: string): ValueTest {
  const cidr = requireString(operand, "CIDR match", path);
  const parts = cidr.split("/");
  if (parts.length !== 2) {
    throw invalid(`CIDR ${describe(cidr)} must contain exactly one "/"${at(path)}`);
  }
  const [address, maskText] = parts;
  const network = ipBytes(address);
  if (network === undefined) {
    throw invalid(`CIDR ${describe(cidr)} has an invalid IP address ${describe(address)}${at(path)}`);
  }
  if (!/^[0-9]+$/.test(maskText)) {
    throw invalid(`CIDR ${describe(cidr)} mask bits must be a non-negative integer${at(path)}`);
  }
  const maskBits = Number(maskText);
  // event-ruler rejects /32 for IPv4 and /128 for IPv6; an exact address literal does that job
  const maxMaskBits = network.length * 8 - 1;
  if (maskBits > maxMaskBits) {
    throw invalid(
      `CIDR ${describe(cidr)} mask bits must be at most ${maxMaskBits} for IPv${network.length === 4 ? 4 : 6}${at(path)}`,
    );
  }
  return onStrings((text) => {
    const candidate = ipBytes(text);
    return candidate !== undefined && candidate.length === network.length &&
      sharesPrefix(candidate, network, maskBits);
  });
}

/** The bytes of an IPv4 (4) or IPv6 (16) address literal, or undefined for anything else. */
function ipBytes(text: string): number[] | undefined {
  if (IPV4_SHAPE.test(text) && isIP(text) === 4) return text.split(".").map(Number);
  if (!IPV6_SHAPE.test(text) || isIP(text) !== 6) return undefined;
  const [head, tail] = text.split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const zeroGroups = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(zeroGroups).fill("0"), ...tailGroups];
  return groups.flatMap((group) => {
    const value = parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

function sharesPrefix(address: readonly number[], network: readonly number[], bits: number): boolean {
  for (let index = 0; index < address.length && bits > index * 8; index++) {
    const remaining = bits - index * 8;
    const mask = remaining >= 8 ? 0xff : (0xff << (8 - remaining)) & 0xff;
    if ((address[index] & mask) !== (network[index] & mask)) return false;
  }
  return true;
}

function sameBytes(a: readonly number[] | undefined, b: readonly number[]): boolean {
  return a !== undefined && a.length === b.length && a.every((byte, index) => byte === b[index]);
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalid(`Event pattern is not valid JSON: ${(error as Error).message}`);
  }
}

function invalid(message: string): InvalidEventPatternError {
  return new InvalidEventPatternError(message);
}

function at(path: string): string {
  return path === "" ? "" : ` in field "${path}"`;
}

/** The offending value as JSON, shortened, for error messages. */
function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const json = typeof value === "number" && !Number.isFinite(value) ? String(value) : JSON.stringify(value);
  const text = json ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
