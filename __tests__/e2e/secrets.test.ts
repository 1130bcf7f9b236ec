import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import type { App } from "cdktf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, type LocalRuntime } from "../../local/runtime";
import { LOCAL_CREDENTIALS } from "../../local/services/credentials";
import { GameVoiceStack } from "../../stacks/game-voice-stack";
import { prepareProject } from "./support";

// Two stacks that declare the very same secrets (same addresses) under their own names: one the stack sets, one left to deploy.
const STACKS = ["game-voice", "voice-twin"];
let root: string;

function voiceStackWithSecrets(app: App, id: string): GameVoiceStack {
  const stack = new GameVoiceStack(app, id, { region: "us-east-1", namePrefix: id });
  new SecretsmanagerSecret(stack, "turn-secret", { name: `${id}-turn-secret` });
  const config = new SecretsmanagerSecret(stack, "config-secret", { name: `${id}-config` });
  new SecretsmanagerSecretVersion(stack, "config-value", { secretId: config.id, secretString: `{"stack":"${id}"}` });
  return stack;
}

beforeAll(() => {
  root = prepareProject((app) => STACKS.map((id) => voiceStackWithSecrets(app, id)));
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** The variables one function of a stack runs with. */
function environmentOf(runtime: LocalRuntime, stackId: string): Record<string, string> {
  const name = runtime.models.find((model) => model.id === stackId)!.functions[0].name;
  return (runtime.functions.get(name) as unknown as { options: { environment: Record<string, string> } }).options.environment;
}

/** A Secrets Manager client set up from a function's own environment, as the SDK inside it would be. */
function clientOf(environment: Record<string, string>): SecretsManagerClient {
  return new SecretsManagerClient({
    region: environment.AWS_REGION,
    endpoint: environment.AWS_ENDPOINT_URL_SECRETS_MANAGER,
    credentials: { accessKeyId: environment.AWS_ACCESS_KEY_ID, secretAccessKey: environment.AWS_SECRET_ACCESS_KEY, sessionToken: environment.AWS_SESSION_TOKEN },
    maxAttempts: 1,
  });
}

describe("the local runtime serving the stacks' secrets", () => {
  let runtime: LocalRuntime;
  const logs: string[] = [];

  beforeAll(async () => {
    runtime = await startRuntime({ outDir: join(root, "cdktf.out"), log: (line) => logs.push(line) });
  });

  afterAll(async () => {
    await runtime?.close();
  });

  it("does list the service in endpoints.json and point every function's SDK at it", () => {
    // assess
    const url = runtime.endpoints.services.secretsmanager;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const stackId of STACKS) expect(environmentOf(runtime, stackId).AWS_ENDPOINT_URL_SECRETS_MANAGER).toBe(url);
  });

  it("does give a function its stack's set value, and a generated 32-byte value for the secret left to deploy, logged once per stack", async () => {
    // act
    const client = clientOf(environmentOf(runtime, "game-voice"));
    const config = await client.send(new GetSecretValueCommand({ SecretId: "game-voice-config" }));
    const turn = await client.send(new GetSecretValueCommand({ SecretId: "game-voice-turn-secret" }));
    // assess
    expect(config.SecretString).toBe('{"stack":"game-voice"}');
    expect(Buffer.from(turn.SecretString!, "base64")).toHaveLength(32);
    expect(turn.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:game-voice-turn-secret-[A-Za-z0-9]{6}$/);
    expect(logs.filter((line) => line.includes("generated local values for game-voice-turn-secret"))).toHaveLength(1);
    expect(runtime.notEmulated).not.toHaveProperty("aws_secretsmanager_secret");
  });

  it("does refuse a function the twin stack's secret of the same address", async () => {
    // act
    const denied = await clientOf(environmentOf(runtime, "game-voice"))
      .send(new GetSecretValueCommand({ SecretId: "voice-twin-turn-secret" }))
      .catch((error: Error) => error);
    // assess
    expect((denied as Error).name).toBe("AccessDeniedException");
  });
});

describe("the local runtime with a data folder", () => {
  it("does keep a value put with the AWS SDK across a restart, say so at start, and keep the generated value the same", async () => {
    // prepare
    const dataDir = mkdtempSync(join(tmpdir(), "secrets-data-"));
    const logs: string[] = [];
    const start = () => startRuntime({ outDir: join(root, "cdktf.out"), dataDir, stacks: ["game-voice"], log: (line) => logs.push(line) });
    try {
      const first = await start();
      const admin = () => new SecretsManagerClient({ region: "us-east-1", endpoint: first.endpoints.services.secretsmanager, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
      const generated = await admin().send(new GetSecretValueCommand({ SecretId: "game-voice-turn-secret" }));
      await admin().send(new PutSecretValueCommand({ SecretId: "game-voice-config", SecretString: "put-locally" }));
      await first.close();
      logs.length = 0;
      // act
      const second = await start();
      try {
        const client = clientOf(environmentOf(second, "game-voice"));
        const config = await client.send(new GetSecretValueCommand({ SecretId: "game-voice-config" }));
        const turn = await client.send(new GetSecretValueCommand({ SecretId: "game-voice-turn-secret" }));
        // assess
        expect(config.SecretString).toBe("put-locally");
        expect(turn.SecretString).toBe(generated.SecretString);
        expect(logs).toContain("[secretsmanager] game-voice: values put in an earlier run kept for game-voice-config");
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
