import { Construct } from "constructs";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsKeyPolicy } from "@cdktf/provider-aws/lib/kms-key-policy";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { arnParts } from "../shared/arn";
import { policyDocument, type PolicyStatement } from "../shared/policy";

export interface EncryptionKeyProps {
  /** Alias name without the `alias/` prefix. */
  readonly alias: string;
  /** What the key protects, shown in the KMS console. */
  readonly description: string;
  /** Days KMS waits before deleting the key after it is scheduled for deletion. @default - 30 */
  readonly deletionWindowInDays?: number;
  /** Let CloudWatch Logs encrypt this account's log groups in this region with the key. @default - false */
  readonly allowCloudWatchLogs?: boolean;
  /** Let EventBridge write to SQS queues encrypted with the key (dead-letter queues of rule targets). @default - false */
  readonly allowEventBridge?: boolean;
}

/**
 * A customer managed KMS key with rotation and an explicit key policy.
 * IAM policies of the account decide who uses the key; the key policy only adds the services named in props.
 */
export class EncryptionKey extends Construct {
  public readonly keyArn: string;
  public readonly keyId: string;
  public readonly aliasName: string;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    const deletionWindowInDays = props.deletionWindowInDays ?? 30;
    if (deletionWindowInDays < 7 || deletionWindowInDays > 30) {
      throw new Error(`Key deletion window must be 7 to 30 days, got ${deletionWindowInDays}`);
    }

    const key = new KmsKey(this, "key", {
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays,
    });
    this.keyArn = key.arn;
    this.keyId = key.keyId;

    const { partition, region, account } = arnParts(key.arn);
    // In a key policy, the resource "*" means this key and nothing else.
    const statements: PolicyStatement[] = [
      {
        sid: "EnableIamPoliciesOfTheAccount",
        actions: ["kms:*"],
        resources: ["*"],
        principals: [{ type: "AWS", identifiers: [`arn:${partition}:iam::${account}:root`] }],
      },
    ];
    if (props.allowCloudWatchLogs) {
      statements.push({
        sid: "AllowCloudWatchLogsOfThisAccount",
        actions: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        resources: ["*"],
        principals: [{ type: "Service", identifiers: [`logs.${region}.amazonaws.com`] }],
        condition: [
          {
            test: "ArnLike",
            variable: "kms:EncryptionContext:aws:logs:arn",
            values: [`arn:${partition}:logs:${region}:${account}:log-group:*`],
          },
        ],
      });
    }
    if (props.allowEventBridge) {
      statements.push({
        sid: "AllowEventBridgeOfThisAccount",
        actions: ["kms:Decrypt", "kms:GenerateDataKey"],
        resources: ["*"],
        principals: [{ type: "Service", identifiers: ["events.amazonaws.com"] }],
        condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [account] }],
      });
    }
    new KmsKeyPolicy(this, "policy", {
      keyId: key.keyId,
      policy: policyDocument(this, "policy-document", statements).json,
    });

    const alias = new KmsAlias(this, "alias", { name: `alias/${props.alias}`, targetKeyId: key.keyId });
    this.aliasName = alias.name;
  }
}
