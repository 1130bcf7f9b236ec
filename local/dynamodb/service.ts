import { join } from "node:path";
import { logicalName, single } from "../model/resource-config";
import type { Value } from "../model/expression";
import { defineService } from "../services/service";
import { createTable, startDynamoDb, startTtlSweeper } from "./dynalite";

export interface TableModel {
  address: string;
  /** Short name from the construct path, e.g. "connections". */
  logicalName: string;
  name: string;
  hashKey: string;
  rangeKey?: string;
  attributes: { name: string; type: string }[];
  globalSecondaryIndexes: { name: string; hashKey: string; rangeKey?: string; projectionType: string; nonKeyAttributes?: string[] }[];
  ttlAttribute?: string;
}

export interface DynamoDbPart {
  tables: TableModel[];
}

const arn = (region: string, account: string, name: Value) => `arn:aws:dynamodb:${region}:${account}:table/${String(name)}`;

/** DynamoDB: dynalite, its tables created as synthesized, and a TTL sweeper, which dynalite lacks. */
export const dynamoDbService = defineService({
  name: "DynamoDB",
  resourceTypes: ["aws_dynamodb_table"],
  computedAttributes: {
    aws_dynamodb_table: (_, config, s) => ({ id: config("name"), arn: arn(s.region, s.account, config("name")) }),
  },
  model: ({ evaluated }): DynamoDbPart => ({
    tables: evaluated("aws_dynamodb_table").map(({ address, raw, config }): TableModel => {
      const ttl = single<{ enabled?: boolean; attribute_name?: string }>(config.ttl);
      return {
        address,
        logicalName: logicalName(raw, address.split(".")[1]),
        name: String(config.name),
        hashKey: String(config.hash_key),
        rangeKey: config.range_key ? String(config.range_key) : undefined,
        attributes: ((config.attribute ?? []) as { name: string; type: string }[]).map(({ name, type }) => ({ name, type })),
        globalSecondaryIndexes: ((config.global_secondary_index ?? []) as Record<string, Value>[]).map((index) => ({
          name: String(index.name),
          hashKey: String(index.hash_key),
          rangeKey: index.range_key ? String(index.range_key) : undefined,
          projectionType: String(index.projection_type ?? "ALL"),
          nonKeyAttributes: index.non_key_attributes as string[] | undefined,
        })),
        ttlAttribute: ttl?.enabled ? ttl.attribute_name : undefined,
      };
    }),
  }),
  start: async (context) => {
    const dynamo = await startDynamoDb({ port: context.takePort(), region: context.region, dataDir: context.dataDir && join(context.dataDir, "dynamodb") });
    context.log(`[runtime] DynamoDB (dynalite) on ${dynamo.url}`);
    const tables: TableModel[] = [];
    let sweeper: { stop(): void } | undefined;
    return {
      endpoint: { name: "dynamodb", url: dynamo.url },
      functionEnvironment: { AWS_ENDPOINT_URL_DYNAMODB: dynamo.url },
      client: dynamo.client,
      load: async ({ model }) => {
        for (const table of model.tables) await createTable(dynamo.client, table);
        tables.push(...model.tables);
      },
      begin: () => {
        sweeper = startTtlSweeper(dynamo.client, tables, (context.ttlSweepSeconds ?? 5) * 1000, context.log);
      },
      describe: (model) => ({ tables: Object.fromEntries(model.tables.map((table) => [table.logicalName, table.name])) }),
      summary: () => `${tables.length} table(s)`,
      close: async () => {
        sweeper?.stop();
        await dynamo.close();
      },
    };
  },
});
