import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { IceServers, iceSettings, turnCredential, type IceSettings } from "../../../functions/shared/ice-servers";

const secrets = mockClient(SecretsManagerClient);
const SECRET_ARN = "arn:aws:secretsmanager:us-west-2:123456789012:secret:poker-turn-secret-AbCdEf";

beforeEach(() => secrets.reset());

describe("turnCredential", () => {
  it("does make the TURN REST credential coturn's use-auth-secret checks", () => {
    // act
    const credential = turnCredential("north-wind", "alice", 1_700_000_000.7, 3600);
    // assess: the credential openssl computes for the same username and secret
    expect(credential).toEqual({ username: "1700003600:alice", credential: "iRtTIZ3N38dm9S+dP+UkHfnN9Qo=" });
  });
});

describe("iceSettings", () => {
  it("does read the STUN and TURN lists, and the credential lifetime with its default", () => {
    // act
    const settings = iceSettings({ STUN_URLS: "stun:a.example.com:3478, stuns:b.example.com", TURN_URLS: "turn:t.example.com:3478", TURN_SECRET_ARN: SECRET_ARN });
    // assess
    expect(settings).toEqual({ stunUrls: ["stun:a.example.com:3478", "stuns:b.example.com"], turnUrls: ["turn:t.example.com:3478"], turnSecretArn: SECRET_ARN, credentialTtlSeconds: 3600, secretCacheSeconds: 300 });
  });

  it.each([
    ["a STUN URL of another scheme", { STUN_URLS: "turn:x.example.com" }, "STUN_URLS must list stun or stuns URLs"],
    ["TURN without the secret", { TURN_URLS: "turn:x.example.com" }, "TURN_SECRET_ARN is not set"],
    ["a lifetime that is not a number", { TURN_CREDENTIAL_TTL_SECONDS: "an hour" }, "must be a positive integer"],
  ])("does fail at cold start on %s", (_name, env, message) => {
    // act and assess
    expect(() => iceSettings(env)).toThrow(message);
  });
});

describe("IceServers", () => {
  const settings: IceSettings = { stunUrls: ["stun:s.example.com"], turnUrls: ["turn:t.example.com"], turnSecretArn: SECRET_ARN, credentialTtlSeconds: 600, secretCacheSeconds: 300 };

  it("does give STUN alone when no TURN is configured, without reading any secret", async () => {
    // act
    const servers = await new IceServers({ ...settings, turnUrls: [], turnSecretArn: undefined }, new SecretsManagerClient({ region: "us-west-2" })).forPlayer("alice", 0);
    // assess
    expect(servers).toEqual([{ urls: ["stun:s.example.com"] }]);
    expect(secrets.calls()).toHaveLength(0);
  });

  it("does give each player a TURN credential of its own, reading the secret once per cache period", async () => {
    // prepare
    secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolvesOnce({ SecretString: "north-wind" }).resolves({ SecretString: "rotated" });
    const ice = new IceServers(settings, new SecretsManagerClient({ region: "us-west-2" }));
    // act
    const first = await ice.forPlayer("alice", 1_700_000_000_000);
    const second = await ice.forPlayer("bob", 1_700_000_299_000);
    const afterCache = await ice.forPlayer("alice", 1_700_000_300_000);
    // assess
    expect(first).toEqual([{ urls: ["stun:s.example.com"] }, { urls: ["turn:t.example.com"], ...turnCredential("north-wind", "alice", 1_700_000_000, 600) }]);
    expect(second[1]).toEqual({ urls: ["turn:t.example.com"], ...turnCredential("north-wind", "bob", 1_700_000_299, 600) });
    expect(afterCache[1]).toEqual({ urls: ["turn:t.example.com"], ...turnCredential("rotated", "alice", 1_700_000_300, 600) });
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it("does fail, naming the secret, when it has no string value yet", async () => {
    // prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1]) });
    // act and assess
    await expect(new IceServers(settings, new SecretsManagerClient({ region: "us-west-2" })).forPlayer("alice", 0)).rejects.toThrow(`Secret ${SECRET_ARN} has no string value`);
  });
});
