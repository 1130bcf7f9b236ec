/**
 * The front door of the local Secrets Manager: the JSON 1.1 protocol as the AWS SDKs send it
 * (`X-Amz-Target: secretsmanager.<Operation>`), every request signed with SigV4 by a key this runtime knows.
 */
import { AwsServiceError, startJsonProtocolService } from "../protocol/aws-json";
import { verifySignature } from "../protocol/sigv4";
import { LOCAL_CREDENTIALS, type LocalCallers } from "../services/credentials";
import type { Listening } from "../services/http-listener";
import { operations, type SecretsCaller } from "./operations";
import type { LocalSecrets } from "./secret-store";

export interface SecretsManagerServiceOptions {
  /** 0 lets the OS pick a free port. */
  port?: number;
  host?: string;
  /** The account in an administrator's ARN. @default - 000000000000 */
  account?: string;
}

export async function startSecretsManagerService(secrets: LocalSecrets, callers: LocalCallers, options: SecretsManagerServiceOptions = {}): Promise<Listening> {
  const administrator: SecretsCaller = { arn: `arn:aws:iam::${options.account ?? "000000000000"}:root` };
  return startJsonProtocolService<SecretsCaller>(
    {
      targetPrefix: "secretsmanager.",
      contentType: "application/x-amz-json-1.1",
      operations: Object.fromEntries(Object.entries(operations).map(([name, operation]) => [name, (input, caller: SecretsCaller) => operation(secrets, input, caller)])),
      authenticate: async (request) => {
        // The runtime's own key is a user's tools (the AWS CLI with --endpoint-url): an administrator.
        const signer = await verifySignature(request, (accessKeyId) => (accessKeyId === LOCAL_CREDENTIALS.accessKeyId ? LOCAL_CREDENTIALS : callers.credentialsOf(accessKeyId)));
        if (signer.service !== "secretsmanager") {
          throw new AwsServiceError("InvalidSignatureException", `Credential should be scoped to correct service: 'secretsmanager', got '${signer.service}'`);
        }
        const caller = callers.callerOf(signer.accessKeyId);
        return caller ? { stackId: caller.stackId, arn: caller.roleArn } : administrator;
      },
      internalErrorCode: "InternalServiceError",
    },
    options,
  );
}
