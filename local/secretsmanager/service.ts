import { createHash } from "node:crypto";
import { join } from "node:path";
import { ExpressionError, type Value } from "../model/expression";
import { qualifiedAddress, stableId, type LocalSettings } from "../model/identities";
import { logicalName } from "../model/resource-config";
import { defineService } from "../services/service";
import { startSecretsManagerService } from "./http-service";
import { LocalSecrets } from "./secret-store";

export interface SecretVersionModel {
  /** The `aws_secretsmanager_secret_version` it comes from; undefined for a value the runtime generated. */
  address?: string;
  versionId: string;
  secretString?: string;
  /** Base64, as Terraform takes it. */
  secretBinary?: string;
  stages: string[];
}

export interface SecretModel {
  address: string;
  logicalName: string;
  name: string;
  arn: string;
  description?: string;
  kmsKeyId?: string;
  versions: SecretVersionModel[];
  /** The stack sets no value (it is put out of band at deploy), so the runtime generated one. */
  generatedValue: boolean;
}

export interface SecretsManagerPart {
  secrets: SecretModel[];
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const HEX = "0123456789abcdef";

/** A UUID-shaped id, stable for `seed`, as Secrets Manager's version ids look. */
export function stableUuid(seed: string): string {
  const hex = stableId(seed, 32, HEX);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The value of a secret whose stack sets none: 32 random-looking bytes in base64, the same on every run. */
export function generatedSecretValue(qualified: string): string {
  return createHash("sha256").update(`${qualified}#generated-secret-value`).digest("base64");
}

function secretName(address: string, config: (attribute: string) => Value, settings: LocalSettings): string {
  const explicit = config("name");
  if (typeof explicit === "string") return explicit;
  // Terraform appends a 26-digit unique id to a name_prefix.
  return `${String(config("name_prefix") ?? "terraform-")}${stableId(`${qualifiedAddress(settings, address)}#name`, 26, "0123456789")}`;
}

function secretArn(address: string, name: string, settings: LocalSettings): string {
  return `arn:aws:secretsmanager:${settings.region}:${settings.account}:secret:${name}-${stableId(qualifiedAddress(settings, address), 6, ALPHANUMERIC)}`;
}

const optionalString = (value: Value | undefined) => (typeof value === "string" ? value : undefined);

/** Secrets Manager: every stack's secrets and their versions, served through the JSON protocol to callers of the same stack. */
export const secretsManagerService = defineService({
  name: "Secrets Manager",
  resourceTypes: ["aws_secretsmanager_secret", "aws_secretsmanager_secret_version"],
  computedAttributes: {
    aws_secretsmanager_secret: (address, config, s) => {
      const name = secretName(address, config, s);
      const arn = secretArn(address, name, s);
      return { id: arn, arn, name };
    },
    aws_secretsmanager_secret_version: (address, config, s) => {
      const versionId = stableUuid(qualifiedAddress(s, address));
      return { id: `${String(config("secret_id"))}|${versionId}`, arn: config("secret_id"), version_id: versionId };
    },
  },
  model: ({ stack, resolver, evaluated }): SecretsManagerPart => {
    const secrets = evaluated("aws_secretsmanager_secret").map(({ address, raw, config }): SecretModel => ({
      address,
      logicalName: logicalName(raw, address.split(".")[1]),
      name: String(resolver.attribute(address, "name")),
      arn: String(resolver.attribute(address, "arn")),
      description: optionalString(config.description),
      kmsKeyId: optionalString(config.kms_key_id),
      versions: [],
      generatedValue: false,
    }));
    for (const { address, config } of evaluated("aws_secretsmanager_secret_version")) {
      const secret = secrets.find((candidate) => candidate.arn === config.secret_id || candidate.name === config.secret_id);
      if (!secret) throw new ExpressionError(`Secret version ${address} names ${JSON.stringify(config.secret_id)}, which is not a secret of stack ${stack.id}`);
      const stages = Array.isArray(config.version_stages) && config.version_stages.length > 0 ? config.version_stages.map(String) : ["AWSCURRENT"];
      secret.versions.push({
        address,
        versionId: String(resolver.attribute(address, "version_id")),
        secretString: optionalString(config.secret_string) ?? optionalString(config.secret_string_wo),
        secretBinary: optionalString(config.secret_binary),
        stages,
      });
    }
    for (const secret of secrets) {
      if (secret.versions.some((version) => version.stages.includes("AWSCURRENT"))) continue;
      const qualified = qualifiedAddress({ stackId: stack.id }, secret.address);
      secret.versions.push({ versionId: stableUuid(`${qualified}#generated`), secretString: generatedSecretValue(qualified), stages: ["AWSCURRENT"] });
      secret.generatedValue = true;
    }
    return { secrets };
  },
  start: async (context) => {
    const secrets = new LocalSecrets({ dataDir: context.dataDir && join(context.dataDir, "secretsmanager") });
    const service = await startSecretsManagerService(secrets, context.callers, { port: context.takePort(), account: context.account });
    context.log(`[runtime] Secrets Manager on ${service.url}`);
    return {
      endpoint: { name: "secretsmanager", url: service.url },
      // The AWS SDK reads AWS_ENDPOINT_URL_ and the service id ("Secrets Manager") upper-cased, words joined by "_".
      functionEnvironment: { AWS_ENDPOINT_URL_SECRETS_MANAGER: service.url },
      load: ({ model }) => {
        const restored = secrets.addStack(model.id, model.secrets);
        if (restored.length > 0) context.log(`[secretsmanager] ${model.id}: values put in an earlier run kept for ${restored.join(", ")}`);
        const generated = model.secrets.filter((secret) => secret.generatedValue && !restored.includes(secret.name)).map((secret) => secret.name);
        if (generated.length > 0) {
          context.log(
            `[secretsmanager] ${model.id}: generated local values for ${generated.join(", ")}, which the stack leaves to be put at deploy (set one with aws secretsmanager put-secret-value --endpoint-url ${service.url})`,
          );
        }
      },
      summary: () => `${secrets.size} secret(s)`,
      close: () => service.close(),
    };
  },
});
