import { describe, expect, it } from "vitest";
import { EncryptionKey, type EncryptionKeyProps } from "../../modules/encryption-key";
import {
  onlyResource,
  policyStatements,
  resourceRef,
  synthScopeJson,
  type Statement,
  type TerraformJson,
} from "./terraform-json";

const baseProps: EncryptionKeyProps = { alias: "voice-data", description: "Encrypts voice data" };

function synthKey(props: Partial<EncryptionKeyProps> = {}): TerraformJson {
  return synthScopeJson((scope) => new EncryptionKey(scope, "key", { ...baseProps, ...props }));
}

function keyPolicy(json: TerraformJson): Statement[] {
  return policyStatements(json, onlyResource(json, "aws_kms_key_policy").body.policy);
}

function servicePrincipals(statements: Statement[]): string[] {
  return statements.flatMap((statement) =>
    (statement.principals ?? []).filter((p) => p.type === "Service").flatMap((p) => p.identifiers),
  );
}

describe("EncryptionKey", () => {
  it("does enable rotation with a 30-day deletion window when defaults are used", () => {
    // prepare / act
    const json = synthKey();

    // assess
    expect(onlyResource(json, "aws_kms_key").body).toMatchObject({
      description: "Encrypts voice data",
      enable_key_rotation: true,
      deletion_window_in_days: 30,
    });
  });

  it("does attach an explicit key policy to the key when synthesized", () => {
    // prepare / act
    const json = synthKey();

    // assess
    const key = onlyResource(json, "aws_kms_key");
    expect(key.body).not.toHaveProperty("policy");
    expect(onlyResource(json, "aws_kms_key_policy").body.key_id).toBe(resourceRef("aws_kms_key", key.name, "key_id"));
    const statements = keyPolicy(json);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ actions: ["kms:*"], resources: ["*"] });
    const [root] = statements[0]!.principals![0]!.identifiers;
    expect(statements[0]!.principals![0]!.type).toBe("AWS");
    // The account comes from the key's own ARN, so no data source calls AWS at plan time.
    expect(root).toMatch(/^arn:\$\{.*aws_kms_key\..*\}:iam::\$\{.*aws_kms_key\..*\}:root$/);
  });

  it("does admit no service when neither CloudWatch Logs nor EventBridge is allowed", () => {
    // prepare / act
    const json = synthKey();

    // assess
    expect(servicePrincipals(keyPolicy(json))).toEqual([]);
  });

  it("does let CloudWatch Logs of this account's log groups use the key when allowCloudWatchLogs is set", () => {
    // prepare / act
    const json = synthKey({ allowCloudWatchLogs: true });

    // assess
    const logs = keyPolicy(json).filter((statement) => statement.sid === "AllowCloudWatchLogsOfThisAccount");
    expect(logs).toHaveLength(1);
    expect(logs[0]!.principals![0]!.identifiers[0]).toMatch(/^logs\.\$\{.*\}\.amazonaws\.com$/);
    expect(logs[0]!.condition).toEqual([
      expect.objectContaining({
        test: "ArnLike",
        variable: "kms:EncryptionContext:aws:logs:arn",
        values: [expect.stringMatching(/:log-group:\*$/)],
      }),
    ]);
    expect(logs[0]!.actions).not.toContain("kms:*");
  });

  it("does let EventBridge of this account encrypt with the key when allowEventBridge is set", () => {
    // prepare / act
    const json = synthKey({ allowEventBridge: true });

    // assess
    const events = keyPolicy(json).filter((statement) =>
      statement.principals?.some((p) => p.identifiers.includes("events.amazonaws.com")),
    );
    expect(events).toHaveLength(1);
    expect([...events[0]!.actions!].sort()).toEqual(["kms:Decrypt", "kms:GenerateDataKey"]);
    expect(events[0]!.condition).toEqual([
      expect.objectContaining({ test: "StringEquals", variable: "aws:SourceAccount" }),
    ]);
  });

  it("does name the alias after the prop and point it at the key when synthesized", () => {
    // prepare / act
    const json = synthKey();

    // assess
    const key = onlyResource(json, "aws_kms_key");
    expect(onlyResource(json, "aws_kms_alias").body).toEqual({
      name: "alias/voice-data",
      target_key_id: resourceRef("aws_kms_key", key.name, "key_id"),
    });
  });

  it("does use the given deletion window when one is set", () => {
    // prepare / act
    const json = synthKey({ deletionWindowInDays: 7 });

    // assess
    expect(onlyResource(json, "aws_kms_key").body.deletion_window_in_days).toBe(7);
  });

  it.each([6, 31])("does throw naming the value when the deletion window is %i days", (days) => {
    // prepare / act
    const act = () => synthKey({ deletionWindowInDays: days });

    // assess
    expect(act).toThrow(`got ${days}`);
  });
});
