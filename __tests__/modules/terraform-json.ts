/** Reading synthesized Terraform JSON in tests: blocks by type, references between them, IAM statements. */
import { Testing, type TerraformStack } from "cdktf";
import type { Construct } from "constructs";

// Synthesized blocks are free-form JSON; tests read them field by field.
export type Block = Record<string, any>;

export interface TerraformJson {
  resource?: Record<string, Record<string, Block>>;
  data?: Record<string, Record<string, Block>>;
  output?: Record<string, Block>;
  /** Each provider's configurations, by provider name. */
  provider?: Record<string, Block[]>;
}

export interface NamedBlock {
  /** Logical name (the key under the block type). */
  readonly name: string;
  readonly body: Block;
}

export interface Statement {
  sid?: string;
  effect?: "Allow" | "Deny";
  actions?: string[];
  not_actions?: string[];
  resources?: string[];
  not_resources?: string[];
  principals?: { type: string; identifiers: string[] }[];
  condition?: { test: string; variable: string; values: string[] }[];
}

/** Synthesizes the constructs that `build` adds to a fresh stack. */
export function synthScopeJson(build: (scope: Construct) => void): TerraformJson {
  return JSON.parse(Testing.synthScope(build)) as TerraformJson;
}

/** Synthesizes a whole stack. */
export function synthStackJson(stack: TerraformStack): TerraformJson {
  return JSON.parse(Testing.synth(stack)) as TerraformJson;
}

export function resourcesOfType(json: TerraformJson, type: string): NamedBlock[] {
  return Object.entries(json.resource?.[type] ?? {}).map(([name, body]) => ({ name, body }));
}

export function dataSourcesOfType(json: TerraformJson, type: string): NamedBlock[] {
  return Object.entries(json.data?.[type] ?? {}).map(([name, body]) => ({ name, body }));
}

/** The single resource of a type; fails when there are none or several. */
export function onlyResource(json: TerraformJson, type: string): NamedBlock {
  const found = resourcesOfType(json, type);
  if (found.length !== 1) {
    throw new Error(`Expected exactly one ${type}, found ${found.length}`);
  }
  return found[0]!;
}

/** The resource of a type whose `attribute` equals `value`; fails unless exactly one matches. */
export function resourceWhere(json: TerraformJson, type: string, attribute: string, value: unknown): NamedBlock {
  const found = resourcesOfType(json, type).filter((block) => block.body[attribute] === value);
  if (found.length !== 1) {
    throw new Error(`Expected one ${type} with ${attribute} = ${JSON.stringify(value)}, found ${found.length}`);
  }
  return found[0]!;
}

/** `${type.name.attribute}`, the way cdktf renders a reference to a resource attribute. */
export function resourceRef(type: string, name: string, attribute: string): string {
  return `\${${type}.${name}.${attribute}}`;
}

/** `${data.type.name.attribute}`, the way cdktf renders a reference to a data source attribute. */
export function dataRef(type: string, name: string, attribute: string): string {
  return `\${data.${type}.${name}.${attribute}}`;
}

export interface ParsedRef {
  readonly data: boolean;
  readonly type: string;
  readonly name: string;
  readonly attribute: string;
}

/** Splits a value that is exactly one reference (`${aws_x.name.attr}` or `${data.aws_x.name.attr}`). */
export function parseRef(value: unknown): ParsedRef | undefined {
  if (typeof value !== "string") return undefined;
  const match = /^\$\{(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}$/.exec(value);
  if (!match) return undefined;
  return { data: match[1] !== undefined, type: match[2]!, name: match[3]!, attribute: match[4]! };
}

/** The block a single-reference value points at. */
export function deref(json: TerraformJson, value: unknown): NamedBlock {
  const ref = parseRef(value);
  if (!ref) throw new Error(`Not a single reference: ${JSON.stringify(value)}`);
  const body = (ref.data ? json.data : json.resource)?.[ref.type]?.[ref.name];
  if (!body) throw new Error(`Reference to a missing block: ${String(value)}`);
  return { name: ref.name, body };
}

/** Statements of the policy document that `policyJsonRef` (`${data.aws_iam_policy_document.X.json}`) names. */
export function policyStatements(json: TerraformJson, policyJsonRef: unknown): Statement[] {
  const ref = parseRef(policyJsonRef);
  if (!ref || !ref.data || ref.type !== "aws_iam_policy_document" || ref.attribute !== "json") {
    throw new Error(`Not a reference to a policy document: ${JSON.stringify(policyJsonRef)}`);
  }
  return (deref(json, policyJsonRef).body.statement ?? []) as Statement[];
}

/** Every statement of every inline policy of the role with logical name `roleName`. */
export function roleStatements(json: TerraformJson, roleName: string): Statement[] {
  const roleRefs = new Set(["id", "name"].map((attribute) => resourceRef("aws_iam_role", roleName, attribute)));
  return resourcesOfType(json, "aws_iam_role_policy")
    .filter((policy) => roleRefs.has(policy.body.role))
    .flatMap((policy) => policyStatements(json, policy.body.policy));
}

/** Every statement of the role of the Lambda function whose `function_name` is `functionName`. */
export function functionStatements(json: TerraformJson, functionName: string): Statement[] {
  const fn = resourceWhere(json, "aws_lambda_function", "function_name", functionName);
  return roleStatements(json, deref(json, fn.body.role).name);
}

/** Statements of `statements` that allow at least one action starting with `servicePrefix` (e.g. "dynamodb:"). */
export function allowing(statements: Statement[], servicePrefix: string): Statement[] {
  return statements.filter(
    (statement) =>
      (statement.effect ?? "Allow") === "Allow" &&
      (statement.actions ?? []).some((action) => action.startsWith(servicePrefix)),
  );
}

/** Calls `visit` for every key/value pair anywhere in `value`. */
export function walk(value: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(value)) {
    value.forEach((item) => walk(item, visit));
  } else if (value !== null && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      visit(key, child);
      walk(child, visit);
    }
  }
}

/** Sorted copy, for comparing lists whose order does not matter. */
export function sorted<T>(items: readonly T[]): T[] {
  return [...items].sort();
}
