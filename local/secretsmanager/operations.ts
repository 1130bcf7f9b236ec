/**
 * One action per Secrets Manager operation the local runtime answers. Each checks its JSON input as the service does
 * and that the caller may reach the secret: a stack's functions reach only their own stack's secrets; the runtime's
 * own key (a user's CLI) reaches every one. Operations not listed here are answered as not implemented.
 */
import { randomUUID } from "node:crypto";
import { AwsServiceError, serializationError } from "../protocol/aws-json";
import { isString, isStringArray, optionalMember, requiredMember, validationError } from "../protocol/json-input";
import { accessDenied, invalidParameter, invalidRequest, secretNotFound, versionNotFound } from "./errors";
import type { LocalSecrets, StoredSecret, StoredVersion } from "./secret-store";

/** Who sends a request: a function of one stack, or an administrator (no stack). */
export interface SecretsCaller {
  /** The stack whose secrets the caller may reach; undefined for an administrator, who reaches all. */
  stackId?: string;
  /** Who the caller is, in AccessDeniedException's words (a role's ARN). */
  arn: string;
}

export type Operation = (store: LocalSecrets, input: Record<string, unknown>, caller: SecretsCaller) => unknown;

/** Secrets Manager's limit on a secret value, string or binary. */
export const MAX_SECRET_BYTES = 65_536;

export const operations: Readonly<Record<string, Operation>> = {
  GetSecretValue: (store, input, caller) => {
    const secret = secretFor(store, input, caller, "GetSecretValue");
    const version = versionOf(secret, optionalMember(input, "VersionId", isString), optionalMember(input, "VersionStage", isString));
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      ...(version.secretBinary !== undefined ? { SecretBinary: version.secretBinary } : { SecretString: version.secretString ?? "" }),
      VersionStages: version.stages,
      CreatedDate: version.createdDate / 1000,
    };
  },

  DescribeSecret: (store, input, caller) => {
    const secret = secretFor(store, input, caller, "DescribeSecret");
    return {
      ARN: secret.arn,
      Name: secret.name,
      ...(secret.description !== undefined ? { Description: secret.description } : {}),
      ...(secret.kmsKeyId !== undefined ? { KmsKeyId: secret.kmsKeyId } : {}),
      RotationEnabled: false,
      CreatedDate: secret.createdDate / 1000,
      LastChangedDate: secret.lastChangedDate / 1000,
      VersionIdsToStages: Object.fromEntries(secret.versions.map((version) => [version.versionId, version.stages])),
    };
  },

  PutSecretValue: (store, input, caller) => {
    const secret = secretFor(store, input, caller, "PutSecretValue");
    const versionId = optionalMember(input, "ClientRequestToken", isString) ?? randomUUID();
    lengthWithin("clientRequestToken", versionId, 32, 64);
    const value = secretValueOf(input);
    const stages = optionalMember(input, "VersionStages", isStringArray) ?? ["AWSCURRENT"];
    if (stages.length < 1 || stages.length > 20) throw validationError(`VersionStages must have 1 to 20 labels, got ${stages.length}`);
    for (const stage of stages) lengthWithin("versionStages.member", stage, 1, 256);

    const known = secret.versions.find((version) => version.versionId === versionId);
    if (known) {
      // A retried request (same token, same value) gets the first answer; another value cannot reuse a version.
      if (known.secretString !== value.secretString || known.secretBinary !== value.secretBinary) {
        throw new AwsServiceError("ResourceExistsException", "You can't modify an existing version, you can only create a new version.");
      }
      return putAnswer(secret, known);
    }
    return putAnswer(secret, store.put(secret, { versionId, ...value, stages }));
  },
};

function putAnswer(secret: StoredSecret, version: StoredVersion) {
  return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId, VersionStages: version.stages };
}

/** The secret that the input's SecretId names, when the caller may reach it. */
function secretFor(store: LocalSecrets, input: Record<string, unknown>, caller: SecretsCaller, action: string): StoredSecret {
  const secretId = requiredMember(input, "SecretId", isString);
  lengthWithin("secretId", secretId, 1, 2048);
  const secret = store.find(secretId);
  if (secret && caller.stackId !== undefined && caller.stackId !== secret.stackId) throw accessDenied(caller.arn, action, secretId);
  if (!secret) throw secretNotFound();
  return secret;
}

function versionOf(secret: StoredSecret, versionId: string | undefined, stage: string | undefined): StoredVersion {
  if (versionId !== undefined) {
    const version = secret.versions.find((candidate) => candidate.versionId === versionId);
    if (!version || (stage !== undefined && !version.stages.includes(stage))) throw versionNotFound(`VersionId: ${versionId}`);
    return version;
  }
  const label = stage ?? "AWSCURRENT";
  const version = secret.versions.find((candidate) => candidate.stages.includes(label));
  if (!version) throw versionNotFound(`staging label: ${label}`);
  return version;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function secretValueOf(input: Record<string, unknown>): { secretString?: string; secretBinary?: string } {
  const secretString = optionalMember(input, "SecretString", isString);
  const secretBinary = optionalMember(input, "SecretBinary", isString);
  if (secretString !== undefined && secretBinary !== undefined) {
    throw invalidParameter("You can't specify both a binary secret value and a string secret value in the same secret.");
  }
  if (secretString !== undefined) {
    const size = Buffer.byteLength(secretString);
    if (size > MAX_SECRET_BYTES) throw invalidParameter(`SecretString must be at most ${MAX_SECRET_BYTES} bytes, got ${size}`);
    return { secretString };
  }
  if (secretBinary !== undefined) {
    if (!BASE64.test(secretBinary)) throw serializationError(`SecretBinary must be base64, got ${JSON.stringify(secretBinary.slice(0, 40))}`);
    const size = Buffer.from(secretBinary, "base64").length;
    if (size > MAX_SECRET_BYTES) throw invalidParameter(`SecretBinary must be at most ${MAX_SECRET_BYTES} bytes, got ${size}`);
    return { secretBinary };
  }
  throw invalidRequest("You must provide either SecretString or SecretBinary.");
}

function lengthWithin(wireName: string, value: string, min: number, max: number): void {
  if (value.length < min) throw validationError(`1 validation error detected: Value at '${wireName}' failed to satisfy constraint: Member must have length greater than or equal to ${min}`);
  if (value.length > max) throw validationError(`1 validation error detected: Value at '${wireName}' failed to satisfy constraint: Member must have length less than or equal to ${max}`);
}
