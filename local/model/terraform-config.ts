import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { evaluateDeep, evaluateString, ExpressionError, type Value } from "./expression";
import type { ComputedAttributes } from "../services/service";
import type { LocalSettings } from "./identities";

type Block = Record<string, unknown>;

/** One synthesized stack: its folder and its `cdk.tf.json`. */
export interface SynthesizedStack {
  id: string;
  dir: string;
  resources: Record<string, Record<string, Block>>;
  data: Record<string, Record<string, Block>>;
}

export function readSynthesizedStacks(outDir: string, only?: readonly string[]): SynthesizedStack[] {
  const stacksDir = join(outDir, "stacks");
  if (!existsSync(stacksDir)) {
    throw new Error(`No synthesized stacks in ${stacksDir}; run npm run synth first`);
  }
  const ids = readdirSync(stacksDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(stacksDir, entry.name, "cdk.tf.json")))
    .map((entry) => entry.name)
    .sort();
  const unknown = (only ?? []).filter((id) => !ids.includes(id));
  if (unknown.length > 0) {
    throw new Error(`Unknown stack ${unknown.join(", ")}; synthesized stacks are ${ids.join(", ")}`);
  }
  return ids
    .filter((id) => !only || only.includes(id))
    .map((id) => {
      const dir = join(stacksDir, id);
      const json = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8")) as { resource?: SynthesizedStack["resources"]; data?: SynthesizedStack["data"] };
      return { id, dir, resources: json.resource ?? {}, data: json.data ?? {} };
    });
}

/**
 * Resolves the references in one stack's configuration to local values. Attributes come from the configuration,
 * or, for those AWS computes, from the local identities; a reference to anything else is an error that names it.
 */
export class StackResolver {
  private readonly cache = new Map<string, Value>();
  private readonly resolving = new Set<string>();

  private readonly settings: LocalSettings;

  constructor(
    private readonly stack: SynthesizedStack,
    settings: LocalSettings,
    /** What AWS would compute for each type the stack's references reach. */
    private readonly computedAttributes: Record<string, ComputedAttributes>,
  ) {
    this.settings = { ...settings, stackId: stack.id };
  }

  /** Every resource of a type, by name, with its raw configuration. */
  resourcesOf(type: string): [name: string, config: Block][] {
    return Object.entries(this.stack.resources[type] ?? {});
  }

  /** The evaluated value of one attribute of a resource (`type.name`) or data source (`data.type.name`). */
  attribute(address: string, attribute: string): Value {
    const key = `${address}.${attribute}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    if (this.resolving.has(key)) {
      throw new ExpressionError(`Reference cycle through ${key} in stack ${this.stack.id}`);
    }
    this.resolving.add(key);
    try {
      const value = this.computeAttribute(address, attribute);
      this.cache.set(key, value);
      return value;
    } finally {
      this.resolving.delete(key);
    }
  }

  /** A whole configuration block with every reference in it resolved. */
  evaluate(value: unknown): Value {
    return evaluateDeep(value, (path, text) => this.reference(path, text));
  }

  private computeAttribute(address: string, attribute: string): Value {
    const isData = address.startsWith("data.");
    const [type, name] = (isData ? address.slice(5) : address).split(".");
    const block = (isData ? this.stack.data : this.stack.resources)[type]?.[name];
    if (!block) {
      throw new ExpressionError(`Reference to ${address}, which stack ${this.stack.id} does not define`);
    }
    const config = (inner: string): Value => (inner in block ? this.evaluate(block[inner]) : null);
    const computed = this.computedAttributes[type]?.(address, config, this.settings, block);
    if (computed && attribute in computed) {
      return computed[attribute];
    }
    if (attribute in block) {
      return this.evaluate(block[attribute]);
    }
    throw new ExpressionError(`Cannot resolve ${address}.${attribute} locally: AWS computes it and the runtime does not emulate it`);
  }

  private reference(path: (string | number)[], text: string): Value {
    const isData = path[0] === "data";
    const segments = isData ? path.slice(1) : path;
    if (segments.length < 3) {
      throw new ExpressionError(`Cannot resolve ${text} in stack ${this.stack.id}: only resource attributes are supported`);
    }
    const [type, name, attribute, ...rest] = segments.map(String);
    let value = this.attribute(`${isData ? "data." : ""}${type}.${name}`, attribute);
    for (const segment of rest) {
      const container = value as Record<string, Value> | Value[] | null;
      value = Array.isArray(container) ? container[Number(segment)] : (container?.[segment] ?? null);
    }
    return value;
  }

  /** Evaluates a string that must resolve to a string. */
  string(value: unknown, what: string): string {
    const evaluated = typeof value === "string" ? evaluateString(value, (path, text) => this.reference(path, text)) : value;
    if (typeof evaluated !== "string") {
      throw new ExpressionError(`Expected ${what} to be a string, got ${JSON.stringify(evaluated)}`);
    }
    return evaluated;
  }
}
