/**
 * Evaluates the Terraform expressions that cdktf writes into `cdk.tf.json`: template strings with `${...}`
 * holding references, literals, lists and calls of a few pure functions. Anything else is an error that names it.
 */

export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

export class ExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExpressionError";
  }
}

/** Looks up a reference such as `aws_dynamodb_table.connections.name` (segments split on dots and indexes). */
export type ReferenceResolver = (path: (string | number)[], text: string) => Value;

type Node =
  | { kind: "literal"; value: Value }
  | { kind: "reference"; path: (string | number)[]; text: string }
  | { kind: "call"; name: string; args: Node[] }
  | { kind: "list"; items: Node[] }
  | { kind: "template"; parts: Node[] };

const FUNCTIONS: Record<string, (args: Value[]) => Value> = {
  replace: ([value, search, replacement]) => str(value).split(str(search)).join(str(replacement)),
  split: ([separator, value]) => str(value).split(str(separator)),
  element: ([list, index]) => {
    const items = asList(list);
    if (items.length === 0) throw new ExpressionError("element() of an empty list");
    return items[Number(index) % items.length];
  },
  join: ([separator, list]) => asList(list).map(str).join(str(separator)),
  lower: ([value]) => str(value).toLowerCase(),
  upper: ([value]) => str(value).toUpperCase(),
  tostring: ([value]) => str(value),
  tonumber: ([value]) => Number(value),
  jsonencode: ([value]) => JSON.stringify(value),
  jsondecode: ([value]) => JSON.parse(str(value)) as Value,
  length: ([value]) => (typeof value === "string" ? value.length : asList(value).length),
};

function str(value: Value): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new ExpressionError(`Expected a string, got ${JSON.stringify(value)}`);
}

function asList(value: Value): Value[] {
  if (!Array.isArray(value)) throw new ExpressionError(`Expected a list, got ${JSON.stringify(value)}`);
  return value;
}

class Parser {
  private position = 0;
  constructor(private readonly text: string) {}

  parseTemplate(): Node {
    const parts: Node[] = [];
    let literal = "";
    while (this.position < this.text.length) {
      if (this.text.startsWith("$${", this.position)) {
        literal += "${";
        this.position += 3;
      } else if (this.text.startsWith("${", this.position)) {
        if (literal) parts.push({ kind: "literal", value: literal });
        literal = "";
        this.position += 2;
        parts.push(this.parseExpression());
        this.skipSpace();
        this.expect("}");
      } else {
        literal += this.text[this.position++];
      }
    }
    if (literal) parts.push({ kind: "literal", value: literal });
    // A string that is one interpolation keeps the value's own type, as in Terraform.
    if (parts.length === 1) return parts[0];
    return { kind: "template", parts };
  }

  private parseExpression(): Node {
    this.skipSpace();
    const char = this.text[this.position];
    if (char === '"') return { kind: "literal", value: this.parseString() };
    if (char === "[") return this.parseList();
    if (char !== undefined && /[-0-9]/.test(char)) return this.parseNumber();
    if (char !== undefined && /[A-Za-z_]/.test(char)) return this.parseNameOrCall();
    throw new ExpressionError(`Unsupported expression at ${JSON.stringify(this.text.slice(this.position, this.position + 30))} in ${JSON.stringify(this.text)}`);
  }

  private parseNameOrCall(): Node {
    const start = this.position;
    const name = this.identifier();
    this.skipSpace();
    if (this.text[this.position] === "(") {
      this.position++;
      const args: Node[] = [];
      this.skipSpace();
      while (this.text[this.position] !== ")") {
        args.push(this.parseExpression());
        this.skipSpace();
        if (this.text[this.position] === ",") this.position++;
        else if (this.text[this.position] !== ")") throw new ExpressionError(`Expected "," or ")" in ${JSON.stringify(this.text)}`);
        this.skipSpace();
      }
      this.position++;
      if (!(name in FUNCTIONS)) throw new ExpressionError(`Function ${name}() is not supported by the local runtime, in ${JSON.stringify(this.text)}`);
      return { kind: "call", name, args };
    }
    if (name === "true" || name === "false") return { kind: "literal", value: name === "true" };
    if (name === "null") return { kind: "literal", value: null };
    const path: (string | number)[] = [name];
    for (;;) {
      if (this.text[this.position] === ".") {
        this.position++;
        path.push(/[0-9]/.test(this.text[this.position] ?? "") ? Number(this.digits()) : this.identifier());
      } else if (this.text[this.position] === "[") {
        this.position++;
        const index = this.parseExpression();
        this.skipSpace();
        this.expect("]");
        if (index.kind !== "literal" || (typeof index.value !== "number" && typeof index.value !== "string")) {
          throw new ExpressionError(`Only literal indexes are supported, in ${JSON.stringify(this.text)}`);
        }
        path.push(index.value);
      } else {
        break;
      }
    }
    return { kind: "reference", path, text: this.text.slice(start, this.position) };
  }

  private parseList(): Node {
    this.position++;
    const items: Node[] = [];
    this.skipSpace();
    while (this.text[this.position] !== "]") {
      items.push(this.parseExpression());
      this.skipSpace();
      if (this.text[this.position] === ",") this.position++;
      this.skipSpace();
      if (this.position >= this.text.length) throw new ExpressionError(`Unclosed list in ${JSON.stringify(this.text)}`);
    }
    this.position++;
    return { kind: "list", items };
  }

  private parseString(): string {
    this.position++;
    let value = "";
    while (this.text[this.position] !== '"') {
      if (this.position >= this.text.length) throw new ExpressionError(`Unclosed string in ${JSON.stringify(this.text)}`);
      const char = this.text[this.position++];
      if (char === "\\") {
        const escaped = this.text[this.position++];
        value += escaped === "n" ? "\n" : escaped === "t" ? "\t" : escaped;
      } else {
        value += char;
      }
    }
    this.position++;
    return value;
  }

  private parseNumber(): Node {
    const match = /^-?[0-9]+(\.[0-9]+)?/.exec(this.text.slice(this.position));
    if (!match) throw new ExpressionError(`Bad number in ${JSON.stringify(this.text)}`);
    this.position += match[0].length;
    return { kind: "literal", value: Number(match[0]) };
  }

  private identifier(): string {
    const match = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.text.slice(this.position));
    if (!match) throw new ExpressionError(`Expected a name in ${JSON.stringify(this.text)}`);
    this.position += match[0].length;
    return match[0];
  }

  private digits(): string {
    const match = /^[0-9]+/.exec(this.text.slice(this.position))!;
    this.position += match[0].length;
    return match[0];
  }

  private skipSpace(): void {
    while (/\s/.test(this.text[this.position] ?? "")) this.position++;
  }

  private expect(char: string): void {
    if (this.text[this.position] !== char) {
      throw new ExpressionError(`Expected "${char}" at position ${this.position} in ${JSON.stringify(this.text)}`);
    }
    this.position++;
  }
}

function evaluateNode(node: Node, resolve: ReferenceResolver): Value {
  switch (node.kind) {
    case "literal":
      return node.value;
    case "reference":
      return resolve(node.path, node.text);
    case "list":
      return node.items.map((item) => evaluateNode(item, resolve));
    case "call":
      return FUNCTIONS[node.name](node.args.map((arg) => evaluateNode(arg, resolve)));
    case "template":
      return node.parts.map((part) => str(evaluateNode(part, resolve))).join("");
  }
}

/** Evaluates one string from the synthesized JSON; a string without `${` is returned as it is (with `$${` unescaped). */
export function evaluateString(text: string, resolve: ReferenceResolver): Value {
  if (!text.includes("${")) return text;
  return evaluateNode(new Parser(text).parseTemplate(), resolve);
}

/** Evaluates every string inside a JSON value. */
export function evaluateDeep(value: unknown, resolve: ReferenceResolver): Value {
  if (typeof value === "string") return evaluateString(value, resolve);
  if (Array.isArray(value)) return value.map((item) => evaluateDeep(item, resolve));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== "//")
        .map(([key, inner]) => [key, evaluateDeep(inner, resolve)]),
    );
  }
  return value as Value;
}
