import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build, type Plugin } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { inlineSchemaKeys, inlineSchemaKeysPlugin, SDK_SCHEMA_MODULE } from "../../scripts/lib/bundle";
import { PROJECT_ROOT } from "../../scripts/lib/paths";

// The clients the functions bundle.
const CLIENTS = ["client-s3", "client-dynamodb", "client-eventbridge", "client-apigatewaymanagementapi"];
const out = mkdtempSync(join(tmpdir(), "schema-keys-"));

afterAll(() => rmSync(out, { recursive: true, force: true }));

const schemaModule = (client: string) => join(PROJECT_ROOT, "node_modules", "@aws-sdk", client, "dist-es", "schemas", "schemas_0.js");

/** Bundles one client's schema module on its own, exporting everything it exports, and imports the bundle. */
async function loadSchemas(client: string, plugins: Plugin[]): Promise<Record<string, unknown>> {
  const result = await build({
    entryPoints: [schemaModule(client)],
    bundle: true,
    format: "esm",
    platform: "node",
    mainFields: ["module", "main"],
    write: false,
    logLevel: "silent",
    plugins,
  });
  const file = join(out, `${client}-${plugins.length}.mjs`);
  writeFileSync(file, result.outputFiles[0].text);
  return import(pathToFileURL(file).href);
}

/**
 * A plain-data picture of a schema graph: lazy references (`() => Shape$`) are followed, classes stand as their
 * names, and an object met again stands as a reference to where it was first met, so cycles end.
 */
function picture(value: unknown, seen = new Map<object, number>()): unknown {
  if (typeof value === "function") {
    if (value.prototype !== undefined) return `class ${value.name}`;
    return { lazy: picture((value as () => unknown)(), seen) };
  }
  if (typeof value !== "object" || value === null) return value;
  if (seen.has(value)) return { ref: seen.get(value) };
  seen.set(value, seen.size);
  if (value instanceof Map) return { map: [...value].map(([key, entry]) => [picture(key, seen), picture(entry, seen)]) };
  if (Array.isArray(value)) return value.map((entry) => picture(entry, seen));
  return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, picture(entry, seen)]));
}

describe("inlineSchemaKeys", () => {
  it("does write a computed key of a string constant as that string and leave other computed keys alone", () => {
    // prepare
    const source = ['const _hE = "httpError";', 'const n0 = "com.amazonaws.s3";', "export var A$ = [-3, n0, 0, { [_hE]: 403, [other]: 1 }];"].join("\n");
    // act
    const inlined = inlineSchemaKeys(source);
    // assess
    expect(inlined).toContain('{ "httpError": 403, [other]: 1 }');
    expect(inlined).toContain('const _hE = "httpError";');
  });

  it("does match the schema module of every client the functions bundle", () => {
    for (const client of CLIENTS) expect(schemaModule(client)).toMatch(SDK_SCHEMA_MODULE);
  });

  it.each(CLIENTS)("does leave every schema %s exports the same when the build inlines its keys", async (client) => {
    // prepare
    const source = readFileSync(schemaModule(client), "utf8");
    // act
    const [original, inlined] = await Promise.all([loadSchemas(client, []), loadSchemas(client, [inlineSchemaKeysPlugin])]);
    // assess
    expect(inlineSchemaKeys(source)).not.toEqual(source);
    expect(Object.keys(inlined).sort()).toEqual(Object.keys(original).sort());
    expect(picture({ ...inlined })).toEqual(picture({ ...original }));
  });
});
