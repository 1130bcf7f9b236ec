import { Construct } from "constructs";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";

export interface SecureSecretProps {
  /** Secret name. */
  readonly name: string;
  /** What the secret holds and how its value is set. */
  readonly description: string;
  /** Customer managed KMS key that encrypts the secret. */
  readonly kmsKeyArn: string;
  /** Days a deleted secret can still be restored. @default - 30 */
  readonly recoveryWindowInDays?: number;
}

/**
 * A Secrets Manager secret encrypted with a customer managed key, and no value in Terraform: the value is put once at
 * deploy (`aws secretsmanager put-secret-value`), so it never sits in the state file or the synthesized JSON.
 */
export class SecureSecret extends Construct {
  public readonly secretArn: string;
  public readonly secretName: string;
  public readonly kmsKeyArn: string;

  constructor(scope: Construct, id: string, props: SecureSecretProps) {
    super(scope, id);
    const recoveryWindowInDays = props.recoveryWindowInDays ?? 30;
    if (recoveryWindowInDays !== 0 && (recoveryWindowInDays < 7 || recoveryWindowInDays > 30)) {
      throw new Error(`Secret recovery window must be 0 or 7 to 30 days, got ${recoveryWindowInDays}`);
    }
    const secret = new SecretsmanagerSecret(this, "secret", {
      name: props.name,
      description: props.description,
      kmsKeyId: props.kmsKeyArn,
      recoveryWindowInDays,
    });
    this.secretArn = secret.arn;
    this.secretName = props.name;
    this.kmsKeyArn = props.kmsKeyArn;
  }
}
