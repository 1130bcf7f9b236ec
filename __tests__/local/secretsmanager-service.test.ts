import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  type SecretsManagerServiceException,
} from "@aws-sdk/client-secrets-manager";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_CREDENTIALS, LocalCallers, type RoleCredentials } from "../../local/services/credentials";
import type { Listening } from "../../local/services/http-listener";
import { startSecretsManagerService } from "../../local/secretsmanager/http-service";
import { LocalSecrets } from "../../local/secretsmanager/secret-store";
import type { SecretModel } from "../../local/secretsmanager/service";
import { hostileRequest, rawRequest } from "./support";

const ARN_PREFIX = "arn:aws:secretsmanager:us-east-1:000000000000:secret:";

function secretModel(name: string, value: { secretString?: string; secretBinary?: string }): SecretModel {
  return {
    address: `aws_secretsmanager_secret.${name}`,
    logicalName: name,
    name,
    arn: `${ARN_PREFIX}${name}-Ab12Cd`,
    kmsKeyId: "arn:aws:kms:us-east-1:000000000000:key/k",
    versions: [{ versionId: `00000000-0000-4000-8000-${name.padEnd(12, "0").slice(0, 12)}`, ...value, stages: ["AWSCURRENT"] }],
    generatedValue: false,
  };
}

let dataDir: string;
let service: Listening;
let alphaFunction: RoleCredentials;
let betaFunction: RoleCredentials;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "secrets-"));
  const callers = new LocalCallers();
  alphaFunction = callers.issue({ stackId: "alpha", roleArn: "arn:aws:iam::000000000000:role/alpha-signaling" });
  betaFunction = callers.issue({ stackId: "beta", roleArn: "arn:aws:iam::000000000000:role/beta-chat" });
  const secrets = new LocalSecrets({ dataDir });
  secrets.addStack("alpha", [secretModel("alpha-turn", { secretString: "turn-shared-secret" }), secretModel("alpha-blob", { secretBinary: "AAEC/w==" }), secretModel("alpha-rotated", { secretString: "first" })]);
  secrets.addStack("beta", [secretModel("beta-db", { secretString: "beta-password" })]);
  service = await startSecretsManagerService(secrets, callers, { port: 0 });
});

afterAll(async () => {
  await service.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const client = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = LOCAL_CREDENTIALS, options: { systemClockOffset?: number } = {}) =>
  new SecretsManagerClient({ endpoint: service.url, region: "us-east-1", credentials, maxAttempts: 1, ...options });

/** The error a command fails with, as the SDK parsed it. */
async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  const error = (await promise.then(
    () => {
      throw new Error("Expected the call to fail");
    },
    (caught: unknown) => caught,
  )) as SecretsManagerServiceException;
  return { name: error.name, message: error.message, status: error.$metadata?.httpStatusCode };
}

describe("the local Secrets Manager answering the AWS SDK", () => {
  it.each([
    ["its name", "alpha-turn"],
    ["its ARN", `${ARN_PREFIX}alpha-turn-Ab12Cd`],
    ["its ARN without the random suffix", `${ARN_PREFIX}alpha-turn`],
  ])("does give a function its own stack's secret when it names the secret by %s", async (_, secretId) => {
    // act
    const answer = await client(alphaFunction).send(new GetSecretValueCommand({ SecretId: secretId }));
    // assess
    expect(answer).toMatchObject({ ARN: `${ARN_PREFIX}alpha-turn-Ab12Cd`, Name: "alpha-turn", SecretString: "turn-shared-secret", VersionStages: ["AWSCURRENT"] });
    expect(answer.VersionId).toMatch(/^00000000-0000-4000-8000-/);
    expect(answer.CreatedDate).toBeInstanceOf(Date);
    expect(Math.abs(answer.CreatedDate!.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it("does answer a binary secret as the bytes it holds", async () => {
    // act
    const answer = await client(alphaFunction).send(new GetSecretValueCommand({ SecretId: "alpha-blob" }));
    // assess
    expect([...answer.SecretBinary!]).toEqual([0, 1, 2, 255]);
    expect(answer.SecretString).toBeUndefined();
  });

  it("does make a value put with the runtime's own key current, and the one before it previous", async () => {
    // act
    const put = await client().send(new PutSecretValueCommand({ SecretId: "alpha-rotated", SecretString: "second" }));
    const current = await client(alphaFunction).send(new GetSecretValueCommand({ SecretId: "alpha-rotated" }));
    const previous = await client(alphaFunction).send(new GetSecretValueCommand({ SecretId: "alpha-rotated", VersionStage: "AWSPREVIOUS" }));
    const described = await client().send(new DescribeSecretCommand({ SecretId: "alpha-rotated" }));
    // assess
    expect(put).toMatchObject({ Name: "alpha-rotated", VersionStages: ["AWSCURRENT"] });
    expect(current).toMatchObject({ SecretString: "second", VersionId: put.VersionId });
    expect(previous).toMatchObject({ SecretString: "first", VersionStages: ["AWSPREVIOUS"] });
    expect(described).toMatchObject({ Name: "alpha-rotated", KmsKeyId: "arn:aws:kms:us-east-1:000000000000:key/k", VersionIdsToStages: { [put.VersionId!]: ["AWSCURRENT"], [previous.VersionId!]: ["AWSPREVIOUS"] } });
  });

  it("does keep a value put locally across a restart when it has a data folder", async () => {
    // prepare
    await client().send(new PutSecretValueCommand({ SecretId: "alpha-turn", SecretString: "real-turn-secret" }));
    const restarted = new LocalSecrets({ dataDir });
    // act
    restarted.addStack("alpha", [secretModel("alpha-turn", { secretString: "turn-shared-secret" }), secretModel("alpha-blob", { secretBinary: "AAEC/w==" })]);
    // assess
    expect(restarted.find("alpha-turn")!.versions.find((version) => version.stages.includes("AWSCURRENT"))!.secretString).toBe("real-turn-secret");
    expect(restarted.find("alpha-blob")!.versions[0].secretBinary).toBe("AAEC/w==");
  });

  it("does answer a retried put with the first answer, and refuse another value under the same token", async () => {
    // prepare
    const token = "retry-token-0000000000000000000000001";
    const first = await client().send(new PutSecretValueCommand({ SecretId: "beta-db", SecretString: "next", ClientRequestToken: token }));
    // act
    const retried = await client().send(new PutSecretValueCommand({ SecretId: "beta-db", SecretString: "next", ClientRequestToken: token }));
    const conflicting = await failure(client().send(new PutSecretValueCommand({ SecretId: "beta-db", SecretString: "other", ClientRequestToken: token })));
    // assess
    expect(retried.VersionId).toBe(first.VersionId);
    expect(conflicting).toMatchObject({ name: "ResourceExistsException", status: 400 });
  });

  it.each([
    ["a secret that does not exist", new GetSecretValueCommand({ SecretId: "alpha-missing" }), "ResourceNotFoundException", "Secrets Manager can't find the specified secret."],
    ["a staging label no version has", new GetSecretValueCommand({ SecretId: "alpha-turn", VersionStage: "AWSPENDING" }), "ResourceNotFoundException", "Secrets Manager can't find the specified secret value for staging label: AWSPENDING"],
    ["a version id that does not exist", new GetSecretValueCommand({ SecretId: "alpha-turn", VersionId: "00000000-0000-4000-8000-000000000000" }), "ResourceNotFoundException", "Secrets Manager can't find the specified secret value for VersionId: 00000000-0000-4000-8000-000000000000"],
    ["a put with neither value", new PutSecretValueCommand({ SecretId: "alpha-turn" }), "InvalidRequestException", "You must provide either SecretString or SecretBinary."],
    ["a put with both values", new PutSecretValueCommand({ SecretId: "alpha-turn", SecretString: "a", SecretBinary: new Uint8Array([1]) }), "InvalidParameterException", "You can't specify both a binary secret value and a string secret value in the same secret."],
    ["a put over 64 KiB", new PutSecretValueCommand({ SecretId: "alpha-turn", SecretString: "x".repeat(65_537) }), "InvalidParameterException", "SecretString must be at most 65536 bytes, got 65537"],
    ["an empty secret id", new GetSecretValueCommand({ SecretId: "" }), "ValidationException", "1 validation error detected: Value at 'secretId' failed to satisfy constraint: Member must have length greater than or equal to 1"],
  ])("does answer %s in Secrets Manager's words", async (_, command, name, message) => {
    // act
    const error = await failure(client(alphaFunction).send(command as GetSecretValueCommand));
    // assess
    expect(error).toEqual({ name, message, status: 400 });
  });

  it("does refuse a function another stack's secret, by name or by ARN", async () => {
    // act
    const byName = await failure(client(betaFunction).send(new GetSecretValueCommand({ SecretId: "alpha-turn" })));
    const byArn = await failure(client(betaFunction).send(new PutSecretValueCommand({ SecretId: `${ARN_PREFIX}alpha-turn-Ab12Cd`, SecretString: "stolen" })));
    const own = await client(betaFunction).send(new DescribeSecretCommand({ SecretId: "beta-db" }));
    // assess
    expect(byName).toMatchObject({ name: "AccessDeniedException", status: 400 });
    expect(byName.message).toContain("User: arn:aws:iam::000000000000:role/beta-chat is not authorized to perform: secretsmanager:GetSecretValue on resource: alpha-turn");
    expect(byArn).toMatchObject({ name: "AccessDeniedException", status: 400 });
    expect(own.Name).toBe("beta-db");
  });

  it("does refuse an access key the runtime never issued", async () => {
    // act
    const error = await failure(client({ accessKeyId: "AKIAUNKNOWN000000000", secretAccessKey: "x" }).send(new GetSecretValueCommand({ SecretId: "alpha-turn" })));
    // assess
    expect(error).toEqual({ name: "UnrecognizedClientException", message: "The security token included in the request is invalid.", status: 400 });
  });

  it("does refuse an issued key without its session token", async () => {
    // act
    const error = await failure(client({ accessKeyId: alphaFunction.accessKeyId, secretAccessKey: alphaFunction.secretAccessKey }).send(new GetSecretValueCommand({ SecretId: "alpha-turn" })));
    // assess
    expect(error).toMatchObject({ name: "UnrecognizedClientException", status: 400 });
  });

  it("does refuse a signature made with the wrong secret key", async () => {
    // act
    const error = await failure(client({ ...alphaFunction, secretAccessKey: betaFunction.secretAccessKey }).send(new GetSecretValueCommand({ SecretId: "alpha-turn" })));
    // assess
    expect(error).toMatchObject({ name: "InvalidSignatureException", status: 400 });
    expect(error.message).toContain("The request signature we calculated does not match the signature you provided");
  });

  it("does refuse a request signed more than 15 minutes away from the local clock", async () => {
    // act
    const error = await failure(client(alphaFunction, { systemClockOffset: -20 * 60 * 1000 }).send(new GetSecretValueCommand({ SecretId: "alpha-turn" })));
    // assess
    expect(error).toMatchObject({ name: "InvalidSignatureException", status: 400 });
    expect(error.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is more than 15 minutes from the local time/);
  });

  it("does reach the SDK of a client configured only by AWS_ENDPOINT_URL_SECRETS_MANAGER", async () => {
    // prepare
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = service.url;
    try {
      // act
      const answer = await new SecretsManagerClient({ region: "us-east-1", credentials: alphaFunction, maxAttempts: 1 }).send(new GetSecretValueCommand({ SecretId: "alpha-blob" }));
      // assess
      expect(answer.Name).toBe("alpha-blob");
    } finally {
      delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
    }
  });
});

/** A request signed with the runtime's own key, as a client may send it: any target, body and extra headers. */
async function signedRequest(target: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = new URL(service.url);
  const signer = new SignatureV4({ service: "secretsmanager", region: "us-east-1", credentials: LOCAL_CREDENTIALS, sha256: Sha256, applyChecksum: false });
  const signed = await signer.sign({
    method: "POST",
    protocol: "http:",
    hostname: url.hostname,
    port: Number(url.port),
    path: "/",
    query: {},
    headers: { ...headers, host: url.host, "content-type": "application/x-amz-json-1.1", "x-amz-target": target },
    body,
  });
  const response = await fetch(service.url, { method: "POST", headers: signed.headers, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const KNOWN_ERRORS = [
  "ResourceNotFoundException",
  "InvalidParameterException",
  "InvalidRequestException",
  "ResourceExistsException",
  "ValidationException",
  "SerializationException",
  "UnknownOperationException",
  "InvalidSignatureException",
];

describe("the local Secrets Manager facing any request", () => {
  it("does answer any signed target, body and headers with one answer or one Secrets Manager error, and keep answering", async () => {
    const member = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 })));
    const input = fc.record(
      {
        SecretId: fc.oneof(fc.constantFrom("alpha-turn", "beta-db", `${ARN_PREFIX}alpha-blob`, "__proto__", "", "x".repeat(2049)), member),
        SecretString: member,
        SecretBinary: fc.oneof(fc.constantFrom("AAEC/w==", "not base64", ""), member),
        VersionId: member,
        VersionStage: fc.oneof(fc.constantFrom("AWSCURRENT", "AWSPREVIOUS"), member),
        VersionStages: fc.oneof(fc.constant(["AWSCURRENT"]), fc.constant([]), member),
        ClientRequestToken: fc.oneof(fc.uuid(), member),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(input.map((value) => JSON.stringify(value)), fc.constantFrom("", "{", "[]", "null", '{"__proto__":{"SecretId":"alpha-turn"}}'), fc.string({ maxLength: 40 }));
    const target = fc.oneof(fc.constantFrom("GetSecretValue", "DescribeSecret", "PutSecretValue", "DeleteSecret", "__proto__", "toString").map((name) => `secretsmanager.${name}`), fc.string({ maxLength: 30 }));
    const headers = fc.dictionary(fc.constantFrom("x-amz-content-sha256", "x-extra", "content-encoding", "constructor"), fc.stringMatching(/^[ -~]{0,20}$/), { maxKeys: 2 });
    await fc.assert(
      fc.asyncProperty(target, body, headers, async (anyTarget, anyBody, anyHeaders) => {
        // act
        const reply = await signedRequest(anyTarget, anyBody, anyHeaders);
        // assess
        if (reply.status !== 200) {
          expect(reply.status).toBe(400);
          expect(KNOWN_ERRORS).toContain(reply.body.__type);
          expect(typeof reply.body.message).toBe("string");
        }
        const still = await client(alphaFunction).send(new DescribeSecretCommand({ SecretId: "alpha-blob" }));
        expect(still.Name).toBe("alpha-blob");
      }),
      { numRuns: 150 },
    );
  }, 60_000);

  it("does keep answering whatever raw request a client sends", async () => {
    const port = Number(new URL(service.url).port);
    await fc.assert(
      fc.asyncProperty(hostileRequest(["/", "//", "*", "/?__proto__=1"]), async ({ bytes, options }) => {
        await rawRequest(port, bytes, options);
        const still = await client(alphaFunction).send(new GetSecretValueCommand({ SecretId: "alpha-blob" }));
        expect(still.Name).toBe("alpha-blob");
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});
