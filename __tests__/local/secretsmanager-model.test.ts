import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TerraformStack, Testing } from "cdktf";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildStackModel, type StackModel } from "../../local/model/stack-model";
import { readSynthesizedStacks, StackResolver } from "../../local/model/terraform-config";
import { coverageOf, LOCAL_SERVICES } from "../../local/services/registry";

const SETTINGS = { region: "us-west-2", account: "123456789012" };
let outDir: string;

/** Synthesizes one ad-hoc stack with a secret that has a version, one left to be put at deploy, and one named by prefix. */
function secretsStack(id: string): void {
  const app = Testing.app();
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, "aws", { region: SETTINGS.region });
  const key = new KmsKey(stack, "key", { description: "secrets" });
  const withVersion = new SecretsmanagerSecret(stack, "api-key", { name: `${id}-api-key`, kmsKeyId: key.arn, description: "An API key" });
  new SecretsmanagerSecretVersion(stack, "api-key-value", { secretId: withVersion.id, secretString: '{"key":"abc"}' });
  new SecretsmanagerSecret(stack, "turn-secret", { name: `${id}-turn`, kmsKeyId: key.arn });
  new SecretsmanagerSecret(stack, "prefixed", { namePrefix: `${id}-prefixed-` });
  mkdirSync(join(outDir, "stacks", id), { recursive: true });
  writeFileSync(join(outDir, "stacks", id, "cdk.tf.json"), Testing.synth(stack));
}

const modelOf = (id: string): StackModel => buildStackModel(readSynthesizedStacks(outDir, [id])[0], SETTINGS);

beforeAll(() => {
  outDir = mkdtempSync(join(tmpdir(), "secrets-model-"));
  secretsStack("alpha");
  secretsStack("beta");
});

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe("the Secrets Manager part of a stack's model", () => {
  it("does give a secret the ARN AWS would, name plus six random characters, the same on every build", () => {
    // act
    const [first, again] = [modelOf("alpha"), modelOf("alpha")];
    // assess
    const secret = first.secrets.find((candidate) => candidate.name === "alpha-api-key")!;
    expect(secret.arn).toMatch(/^arn:aws:secretsmanager:us-west-2:123456789012:secret:alpha-api-key-[A-Za-z0-9]{6}$/);
    expect(again.secrets.find((candidate) => candidate.name === "alpha-api-key")!.arn).toBe(secret.arn);
    expect(secret).toMatchObject({ logicalName: "api-key", description: "An API key", generatedValue: false });
    expect(secret.kmsKeyId).toMatch(/^arn:aws:kms:us-west-2:123456789012:key\//);
  });

  it("does take a version's value and stage, with a UUID-shaped version id, when the stack sets the value", () => {
    // act
    const secret = modelOf("alpha").secrets.find((candidate) => candidate.name === "alpha-api-key")!;
    // assess
    expect(secret.versions).toEqual([
      { address: expect.stringMatching(/^aws_secretsmanager_secret_version\./), versionId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/), secretString: '{"key":"abc"}', secretBinary: undefined, stages: ["AWSCURRENT"] },
    ]);
  });

  it("does generate a stable 32-byte value, different for each stack, when the stack leaves the value to deploy", () => {
    // act
    const alpha = modelOf("alpha").secrets.find((candidate) => candidate.name === "alpha-turn")!;
    const alphaAgain = modelOf("alpha").secrets.find((candidate) => candidate.name === "alpha-turn")!;
    const beta = modelOf("beta").secrets.find((candidate) => candidate.name === "beta-turn")!;
    // assess
    expect(alpha.generatedValue).toBe(true);
    expect(alpha.versions).toHaveLength(1);
    expect(Buffer.from(alpha.versions[0].secretString!, "base64")).toHaveLength(32);
    expect(alphaAgain.versions[0]).toEqual(alpha.versions[0]);
    expect(beta.versions[0].secretString).not.toBe(alpha.versions[0].secretString);
    expect(beta.arn.slice(-6)).not.toBe(alpha.arn.slice(-6));
  });

  it("does name a secret from its name_prefix and a 26-digit id, as Terraform does", () => {
    // act
    const secret = modelOf("alpha").secrets.find((candidate) => candidate.logicalName === "prefixed")!;
    // assess
    expect(secret.name).toMatch(/^alpha-prefixed-\d{26}$/);
    expect(secret.arn.endsWith(`:secret:${secret.name}-${secret.arn.slice(-6)}`)).toBe(true);
  });

  it("does compute the version's id as the secret's ARN and its version id, as AWS does", () => {
    // prepare
    const [synthesized] = readSynthesizedStacks(outDir, ["alpha"]);
    const resolver = new StackResolver(synthesized, SETTINGS, coverageOf(LOCAL_SERVICES).computedAttributes);
    const address = `aws_secretsmanager_secret_version.${Object.keys(synthesized.resources.aws_secretsmanager_secret_version)[0]}`;
    const secret = modelOf("alpha").secrets.find((candidate) => candidate.name === "alpha-api-key")!;
    // act
    const id = resolver.attribute(address, "id");
    // assess
    expect(id).toBe(`${secret.arn}|${secret.versions[0].versionId}`);
    expect(resolver.attribute(address, "arn")).toBe(secret.arn);
  });
});
