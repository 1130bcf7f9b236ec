import { describe, expect, it } from "vitest";
import { TerraformOutput } from "cdktf";
import { UserPool, type UserPoolProps } from "../../modules/user-pool";
import { onlyResource, resourceRef, resourcesOfType, synthScopeJson, type TerraformJson } from "./terraform-json";

const baseProps: UserPoolProps = { userPoolName: "chat-users", clientName: "chat-client" };

function synthPool(props: Partial<UserPoolProps> = {}): TerraformJson {
  return synthScopeJson((scope) => {
    const pool = new UserPool(scope, "users", { ...baseProps, ...props });
    new TerraformOutput(scope, "issuer", { value: pool.issuerUrl });
    new TerraformOutput(scope, "client", { value: pool.userPoolClientId });
  });
}

describe("UserPool secure defaults", () => {
  it("requires 12-character passwords of every class, optional TOTP and deletion protection when defaults are used", () => {
    // prepare / act
    const json = synthPool();

    // assess
    expect(onlyResource(json, "aws_cognito_user_pool").body).toMatchObject({
      name: "chat-users",
      password_policy: {
        minimum_length: 12,
        require_lowercase: true,
        require_uppercase: true,
        require_numbers: true,
        require_symbols: true,
        temporary_password_validity_days: 3,
      },
      mfa_configuration: "OPTIONAL",
      software_token_mfa_configuration: { enabled: true },
      auto_verified_attributes: ["email"],
      account_recovery_setting: { recovery_mechanism: [{ name: "verified_email", priority: 1 }] },
      admin_create_user_config: { allow_admin_create_user_only: false },
      deletion_protection: "ACTIVE",
    });
  });

  it("gives the pool a public SRP client with revocable one-hour tokens and no user-existence errors when defaults are used", () => {
    // prepare / act
    const json = synthPool();

    // assess
    const pool = onlyResource(json, "aws_cognito_user_pool");
    expect(onlyResource(json, "aws_cognito_user_pool_client").body).toEqual({
      name: "chat-client",
      user_pool_id: resourceRef("aws_cognito_user_pool", pool.name, "id"),
      generate_secret: false,
      explicit_auth_flows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      prevent_user_existence_errors: "ENABLED",
      enable_token_revocation: true,
      access_token_validity: 60,
      id_token_validity: 60,
      refresh_token_validity: 30,
      token_validity_units: [{ access_token: "minutes", id_token: "minutes", refresh_token: "days" }],
    });
  });

  it("exposes the client id and the issuer the pool's tokens name when synthesized", () => {
    // prepare / act
    const json = synthPool();

    // assess
    const pool = onlyResource(json, "aws_cognito_user_pool").name;
    const client = onlyResource(json, "aws_cognito_user_pool_client").name;
    expect(json.output?.issuer?.value).toBe(`https://${resourceRef("aws_cognito_user_pool", pool, "endpoint")}`);
    expect(json.output?.client?.value).toBe(resourceRef("aws_cognito_user_pool_client", client, "id"));
  });
});

describe("UserPool settings", () => {
  it("applies the given protection, MFA, password policy and token validity when they are set", () => {
    // prepare / act
    const json = synthPool({
      deletionProtection: "INACTIVE",
      mfaConfiguration: "ON",
      passwordPolicy: { minimumLength: 16, requireSymbols: false, temporaryPasswordValidityDays: 1 },
      allowAdminCreateUserOnly: true,
      accessTokenValidity: 15,
      idTokenValidity: 30,
      refreshTokenValidity: 7,
    });

    // assess
    expect(onlyResource(json, "aws_cognito_user_pool").body).toMatchObject({
      deletion_protection: "INACTIVE",
      mfa_configuration: "ON",
      software_token_mfa_configuration: { enabled: true },
      password_policy: { minimum_length: 16, require_symbols: false, require_numbers: true, temporary_password_validity_days: 1 },
      admin_create_user_config: { allow_admin_create_user_only: true },
    });
    expect(onlyResource(json, "aws_cognito_user_pool_client").body).toMatchObject({
      access_token_validity: 15,
      id_token_validity: 30,
      refresh_token_validity: 7,
    });
  });

  it("configures no TOTP when MFA is off", () => {
    // prepare / act
    const json = synthPool({ mfaConfiguration: "OFF" });

    // assess
    const pool = onlyResource(json, "aws_cognito_user_pool").body;
    expect(pool.mfa_configuration).toBe("OFF");
    expect(pool).not.toHaveProperty("software_token_mfa_configuration");
  });

  it("keeps the secure client settings on every client whatever the token validity when several pools exist", () => {
    // prepare / act
    const json = synthScopeJson((scope) => {
      new UserPool(scope, "a", { userPoolName: "a", clientName: "a-client" });
      new UserPool(scope, "b", { userPoolName: "b", clientName: "b-client", accessTokenValidity: 5, refreshTokenValidity: 3650 });
    });

    // assess
    const clients = resourcesOfType(json, "aws_cognito_user_pool_client");
    expect(clients).toHaveLength(2);
    for (const client of clients) {
      expect(client.body, client.name).toMatchObject({
        generate_secret: false,
        explicit_auth_flows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        prevent_user_existence_errors: "ENABLED",
        enable_token_revocation: true,
      });
    }
  });

  it.each([
    ["a 7-character password minimum", { passwordPolicy: { minimumLength: 7 } }, "got 7"],
    ["a 100-character password minimum", { passwordPolicy: { minimumLength: 100 } }, "got 100"],
    ["a 0-day temporary password", { passwordPolicy: { temporaryPasswordValidityDays: 0 } }, "got 0"],
    ["a 2-minute access token", { accessTokenValidity: 2 }, "Access token validity must be a whole number from 5 to 1440 minutes, got 2"],
    ["a 1441-minute ID token", { idTokenValidity: 1441 }, "got 1441"],
    ["a 3651-day refresh token", { refreshTokenValidity: 3651 }, "got 3651"],
    ["a fractional refresh token", { refreshTokenValidity: 1.5 }, "got 1.5"],
  ] as const)("throws naming the value when given %s", (_what, props, message) => {
    // prepare / act
    const act = () => synthPool(props as Partial<UserPoolProps>);

    // assess
    expect(act).toThrow(message);
  });
});
