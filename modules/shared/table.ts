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

export interface SecureTableProps {
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

/** An on-demand DynamoDB table with encryption at rest, point-in-time recovery and TTL. */
export class SecureTable extends Construct {
  public readonly tableName: string;
  public readonly tableArn: string;
  /** The attribute DynamoDB's TTL reads, when the table has TTL. */
  public readonly ttlAttribute?: string;
  public readonly indexes: readonly TableIndex[];

  constructor(scope: Construct, id: string, props: SecureTableProps) {
    super(scope, id);
    const indexes = props.globalSecondaryIndexes ?? [];
    const keyAttributes = new Set([
      props.hashKey,
      ...(props.rangeKey ? [props.rangeKey] : []),
      ...indexes.flatMap((index) => [index.hashKey, ...(index.rangeKey ? [index.rangeKey] : [])]),
    ]);
    const table = new DynamodbTable(this, "table", {
      name: props.name,
      billingMode: "PAY_PER_REQUEST",
      hashKey: props.hashKey,
      rangeKey: props.rangeKey,
      attribute: [...keyAttributes].map((name) => ({ name, type: "S" })),
      globalSecondaryIndex: indexes.map((index) => ({
        name: index.name,
        hashKey: index.hashKey,
        rangeKey: index.rangeKey,
        projectionType: index.projectionType ?? "KEYS_ONLY",
        nonKeyAttributes: index.nonKeyAttributes,
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
