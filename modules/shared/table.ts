import { Construct } from "constructs";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";

export interface TableIndex {
  /** Index name. */
  readonly name: string;
  /** Partition key attribute (string). */
  readonly hashKey: string;
  /** Sort key attribute (string). @default - none */
  readonly rangeKey?: string;
  /** Attributes copied into the index. @default - "KEYS_ONLY" */
  readonly projectionType?: "KEYS_ONLY" | "ALL" | "INCLUDE";
  /** Non-key attributes copied when the projection is INCLUDE. @default - none */
  readonly nonKeyAttributes?: string[];
}

/**
 * How DynamoDB bills a table and its global secondary indexes. Provisioned capacity applies to the table and to each
 * of its indexes alike.
 */
export interface TableBilling {
  /** On demand, or provisioned capacity. @default - "PAY_PER_REQUEST" */
  readonly billingMode?: "PAY_PER_REQUEST" | "PROVISIONED";
  /** Read capacity units of the table and of each index; required with, and only with, PROVISIONED. @default - none */
  readonly readCapacity?: number;
  /** Write capacity units of the table and of each index; required with, and only with, PROVISIONED. @default - none */
  readonly writeCapacity?: number;
}

/** The Terraform capacity arguments of `billing`, for the table and for each index; refuses settings DynamoDB would not take. */
export function tableCapacity(table: string, billing: TableBilling): { readCapacity?: number; writeCapacity?: number } {
  const mode = billing.billingMode ?? "PAY_PER_REQUEST";
  const { readCapacity, writeCapacity } = billing;
  if (mode === "PAY_PER_REQUEST") {
    if (readCapacity !== undefined || writeCapacity !== undefined) {
      throw new Error(`Table ${table}: readCapacity and writeCapacity apply only to PROVISIONED billing, got PAY_PER_REQUEST with read ${readCapacity} and write ${writeCapacity}`);
    }
    return {};
  }
  if (mode !== "PROVISIONED") {
    throw new Error(`Table ${table}: billing mode must be PAY_PER_REQUEST or PROVISIONED, got "${String(mode)}"`);
  }
  const positive = (value: number | undefined): value is number => Number.isInteger(value) && value! >= 1;
  if (!positive(readCapacity) || !positive(writeCapacity)) {
    throw new Error(`Table ${table}: PROVISIONED billing needs readCapacity and writeCapacity as positive whole numbers, got read ${readCapacity} and write ${writeCapacity}`);
  }
  return { readCapacity, writeCapacity };
}

export interface SecureTableProps extends TableBilling {
  /** Table name. */
  readonly name: string;
  /** Partition key attribute (string). */
  readonly hashKey: string;
  /** Sort key attribute (string). @default - none */
  readonly rangeKey?: string;
  /** Attribute holding the expiry time in epoch seconds. @default - no TTL */
  readonly ttlAttribute?: string;
  /** Global secondary indexes. @default - none */
  readonly globalSecondaryIndexes?: TableIndex[];
  /** Customer managed KMS key for encryption at rest. @default - the AWS managed key for DynamoDB */
  readonly kmsKeyArn?: string;
  /** Refuse `terraform destroy` of the table. @default - false */
  readonly deletionProtectionEnabled?: boolean;
}

/** A DynamoDB table, on demand unless told otherwise, with encryption at rest, point-in-time recovery and TTL. */
export class SecureTable extends Construct {
  public readonly tableName: string;
  public readonly tableArn: string;
  /** The attribute DynamoDB's TTL reads, when the table has TTL. */
  public readonly ttlAttribute?: string;
  public readonly indexes: readonly TableIndex[];

  constructor(scope: Construct, id: string, props: SecureTableProps) {
    super(scope, id);
    const indexes = props.globalSecondaryIndexes ?? [];
    const capacity = tableCapacity(props.name, props);
    const keyAttributes = new Set([
      props.hashKey,
      ...(props.rangeKey ? [props.rangeKey] : []),
      ...indexes.flatMap((index) => [index.hashKey, ...(index.rangeKey ? [index.rangeKey] : [])]),
    ]);
    const table = new DynamodbTable(this, "table", {
      name: props.name,
      billingMode: props.billingMode ?? "PAY_PER_REQUEST",
      ...capacity,
      hashKey: props.hashKey,
      rangeKey: props.rangeKey,
      attribute: [...keyAttributes].map((name) => ({ name, type: "S" })),
      globalSecondaryIndex: indexes.map((index) => ({
        name: index.name,
        hashKey: index.hashKey,
        rangeKey: index.rangeKey,
        projectionType: index.projectionType ?? "KEYS_ONLY",
        nonKeyAttributes: index.nonKeyAttributes,
        ...capacity,
      })),
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: props.kmsKeyArn },
      ttl: props.ttlAttribute ? { enabled: true, attributeName: props.ttlAttribute } : undefined,
      deletionProtectionEnabled: props.deletionProtectionEnabled ?? false,
    });
    this.tableName = table.name;
    this.tableArn = table.arn;
    this.ttlAttribute = props.ttlAttribute;
    this.indexes = indexes;
  }
}
