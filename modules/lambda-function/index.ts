import { Construct } from "constructs";
import { DataArchiveFile } from "@cdktf/provider-archive/lib/data-archive-file";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { denyInsecureTransport, policyDocument, type PolicyStatement } from "../shared/policy";

/** Where a stack's Terraform working directory (`cdktf.out/stacks/<id>`) finds the built bundles. */
export const FUNCTION_BUNDLES_DIR = "../../../dist/functions";

export interface TableIndexReference {
  readonly name: string;
  readonly hashKey: string;
  readonly rangeKey?: string;
}

/** A DynamoDB table as a function sees it. */
export interface TableReference {
  readonly tableName: string;
  readonly tableArn: string;
  /** The attribute DynamoDB's TTL reads. @default - the table has no TTL */
  readonly ttlAttribute?: string;
  /** Its global secondary indexes. @default - none */
  readonly indexes?: readonly TableIndexReference[];
}

export type TableAccess = "read" | "write" | "readWrite";

const TABLE_ACTIONS: Record<TableAccess, string[]> = {
  read: ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"],
  write: ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
  readWrite: [
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:BatchGetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
  ],
};

export interface AsyncInvocationProps {
  /** Retries Lambda makes after an asynchronous invocation fails. @default - 2 */
  readonly maximumRetryAttempts?: number;
  /** Oldest event, in seconds, Lambda still tries to process. @default - 3600 */
  readonly maximumEventAgeInSeconds?: number;
  /** Days a failed invocation record stays in the on-failure queue. @default - 14 */
  readonly failureRetentionInDays?: number;
}

export interface NodeFunctionProps {
  /** Name of the Lambda function in AWS. */
  readonly functionName: string;
  /** Folder under `dist/functions` holding the built bundle (`functions/<bundle>/index.ts`). */
  readonly bundle: string;
  /** What the function does. @default - none */
  readonly description?: string;
  /** Seconds before Lambda stops an invocation. @default - 10 */
  readonly timeout?: number;
  /** Memory in MB. @default - 256 */
  readonly memorySize?: number;
  /** Concurrent executions reserved for (and capped at) this function. @default - unreserved */
  readonly reservedConcurrentExecutions?: number;
  /** Environment variables; bindings add more. @default - none */
  readonly environment?: Record<string, string>;
  /** Days to keep the function's logs. @default - 14 */
  readonly cloudwatchLogsRetentionInDays?: number;
  /** KMS key that encrypts the log group and the on-failure queue. @default - service-managed encryption */
  readonly kmsKeyArn?: string;
  /** Set for functions invoked asynchronously: bounded retries and an encrypted on-failure queue. @default - none */
  readonly asyncInvocation?: AsyncInvocationProps;
}

/** One Node.js Lambda function: zip, role, log group, tracing and intent-named grants. */
export class NodeFunction extends Construct {
  public readonly functionName: string;
  public readonly functionArn: string;
  public readonly invokeArn: string;
  public readonly roleArn: string;
  public readonly roleName: string;
  public readonly logGroupName: string;
  /** Queue receiving failed asynchronous invocations, when `asyncInvocation` is set. */
  public readonly failureQueueArn?: string;

  private readonly role: IamRole;
  private readonly environmentVariables: Record<string, string>;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    super(scope, id);
    const timeout = props.timeout ?? 10;
    const memorySize = props.memorySize ?? 256;
    const retentionInDays = props.cloudwatchLogsRetentionInDays ?? 14;
    // 59, not Lambda's 64, so that the role name `<function>-role` stays within IAM's 64 characters.
    if (!/^[A-Za-z0-9_-]{1,59}$/.test(props.functionName)) {
      throw new Error(`Function name must be 1-59 letters, digits, hyphens or underscores, got "${props.functionName}"`);
    }
    if (!/^[a-z0-9-]+$/.test(props.bundle)) {
      throw new Error(`Bundle must be a folder name of lowercase letters, digits and hyphens, got "${props.bundle}"`);
    }
    if (timeout < 1 || timeout > 900) {
      throw new Error(`Timeout must be 1 to 900 seconds, got ${timeout}`);
    }
    if (memorySize < 128 || memorySize > 10240) {
      throw new Error(`Memory size must be 128 to 10240 MB, got ${memorySize}`);
    }
    this.functionName = props.functionName;
    this.environmentVariables = { ...props.environment };

    const archive = new DataArchiveFile(this, "bundle", {
      type: "zip",
      sourceDir: `${FUNCTION_BUNDLES_DIR}/${props.bundle}`,
      outputPath: `assets/${props.functionName}.zip`,
    });

    const logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/lambda/${props.functionName}`,
      retentionInDays,
      kmsKeyId: props.kmsKeyArn,
    });
    this.logGroupName = logGroup.name;

    this.role = new IamRole(this, "role", {
      name: `${props.functionName}-role`,
      assumeRolePolicy: policyDocument(this, "assume-role", [
        {
          actions: ["sts:AssumeRole"],
          principals: [{ type: "Service", identifiers: ["lambda.amazonaws.com"] }],
        },
      ]).json,
    });
    this.roleArn = this.role.arn;
    this.roleName = this.role.name;
    this.addPolicy("logs", [
      { actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [`${logGroup.arn}:*`] },
    ]);
    // X-Ray has no resource-level permissions for these two actions.
    this.addPolicy("tracing", [
      { actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources: ["*"] },
    ]);

    const fn = new LambdaFunction(this, "function", {
      functionName: props.functionName,
      description: props.description,
      role: this.role.arn,
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      filename: archive.outputPath,
      sourceCodeHash: archive.outputBase64Sha256,
      timeout,
      memorySize,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: { variables: this.environmentVariables },
      tracingConfig: { mode: "Active" },
      loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
      dependsOn: [logGroup],
    });
    this.functionArn = fn.arn;
    this.invokeArn = fn.invokeArn;

    if (props.asyncInvocation) {
      const queue = new SqsQueue(this, "failures", {
        name: `${props.functionName}-failures`,
        messageRetentionSeconds: (props.asyncInvocation.failureRetentionInDays ?? 14) * 86_400,
        ...(props.kmsKeyArn ? { kmsMasterKeyId: props.kmsKeyArn } : { sqsManagedSseEnabled: true }),
      });
      this.failureQueueArn = queue.arn;
      new SqsQueuePolicy(this, "failures-policy", {
        queueUrl: queue.url,
        policy: policyDocument(this, "failures-policy-document", [denyInsecureTransport([queue.arn])]).json,
      });
      this.addPolicy("on-failure", [
        { actions: ["sqs:SendMessage"], resources: [queue.arn] },
        ...(props.kmsKeyArn
          ? [{ actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [props.kmsKeyArn] }]
          : []),
      ]);
      new LambdaFunctionEventInvokeConfig(this, "async", {
        functionName: fn.functionName,
        maximumRetryAttempts: props.asyncInvocation.maximumRetryAttempts ?? 2,
        maximumEventAgeInSeconds: props.asyncInvocation.maximumEventAgeInSeconds ?? 3600,
        destinationConfig: { onFailure: { destination: queue.arn } },
      });
    }
  }

  /** Sets an environment variable of the function. */
  public addEnvironment(name: string, value: string): void {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) {
      throw new Error(`Environment variable name must start with a letter, got "${name}"`);
    }
    const existing = this.environmentVariables[name];
    if (existing !== undefined && existing !== value) {
      throw new Error(`Environment variable "${name}" is already set on ${this.functionName}`);
    }
    this.environmentVariables[name] = value;
  }

  /**
   * Gives the function the table's name in `envVar`, its TTL attribute in `${envVar}_TTL_ATTRIBUTE` and its indexes in
   * `${envVar}_INDEXES` (`name:hashKey[:rangeKey]`, comma-separated), and exactly the item actions `access` needs, on
   * the table and its indexes.
   */
  public bindTable(envVar: string, table: TableReference, access: TableAccess): void {
    this.addEnvironment(envVar, table.tableName);
    // The code learns the TTL attribute and the index names from the binding, never from a constant of its own.
    if (table.ttlAttribute) this.addEnvironment(`${envVar}_TTL_ATTRIBUTE`, table.ttlAttribute);
    if (table.indexes && table.indexes.length > 0) {
      this.addEnvironment(`${envVar}_INDEXES`, table.indexes.map((index) => [index.name, index.hashKey, ...(index.rangeKey ? [index.rangeKey] : [])].join(":")).join(","));
    }
    const actions = TABLE_ACTIONS[access];
    this.addPolicy(`table-${envVar.toLowerCase()}`, [
      { actions, resources: [table.tableArn, `${table.tableArn}/index/*`] },
    ]);
  }

  /** Lets the function publish events to one bus, named in `envVar`. */
  public allowPutEvents(envVar: string, bus: { busName: string; busArn: string }): void {
    this.addEnvironment(envVar, bus.busName);
    this.addPolicy(`events-${envVar.toLowerCase()}`, [{ actions: ["events:PutEvents"], resources: [bus.busArn] }]);
  }

  /** Lets the function read and/or write objects under one prefix of a bucket encrypted with `kmsKeyArn`. */
  public grantBucketPrefix(
    bucket: { bucketName: string; bucketArn: string; kmsKeyArn: string },
    prefix: string,
    access: { read?: boolean; write?: boolean },
  ): void {
    if (!access.read && !access.write) {
      throw new Error(`Bucket grant on ${bucket.bucketName} must allow read, write or both`);
    }
    // `*` and `?` are both wildcards in an IAM resource ARN.
    if (prefix.length === 0 || /[*?]/.test(prefix)) {
      throw new Error(`Bucket prefix must be a non-empty literal path, got "${prefix}"`);
    }
    const objectActions = [...(access.read ? ["s3:GetObject"] : []), ...(access.write ? ["s3:PutObject"] : [])];
    const keyActions = [...(access.read ? ["kms:Decrypt"] : []), ...(access.write ? ["kms:GenerateDataKey"] : [])];
    this.addPolicy(`bucket-${prefix.replace(/[^a-z0-9]+/gi, "-").replace(/-+$/, "")}`, [
      { actions: objectActions, resources: [`${bucket.bucketArn}/${prefix}*`] },
      { actions: keyActions, resources: [bucket.kmsKeyArn] },
    ]);
  }

  /**
   * Gives the function a secret's ARN in `envVar` and lets it read that secret's value, and nothing else:
   * `secretsmanager:GetSecretValue` on the secret, and `kms:Decrypt` on its key only through Secrets Manager.
   */
  public grantReadSecret(envVar: string, secret: { secretArn: string; kmsKeyArn: string }): void {
    this.addEnvironment(envVar, secret.secretArn);
    this.addPolicy(`secret-${envVar.toLowerCase()}`, [
      { actions: ["secretsmanager:GetSecretValue"], resources: [secret.secretArn] },
      {
        actions: ["kms:Decrypt"],
        resources: [secret.kmsKeyArn],
        // The key is regional, so Secrets Manager of any region can only mean the key's own.
        condition: [{ test: "StringLike", variable: "kms:ViaService", values: ["secretsmanager.*.amazonaws.com"] }],
      },
    ]);
  }

  /** Adds an inline policy to the function's role; `id` names it. */
  public addPolicy(id: string, statements: PolicyStatement[]): void {
    new IamRolePolicy(this, `policy-${id}`, {
      name: id,
      role: this.role.id,
      policy: policyDocument(this, `policy-${id}-document`, statements).json,
    });
  }
}
