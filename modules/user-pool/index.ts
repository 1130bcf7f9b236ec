import { Construct } from "constructs";
import { CognitoUserPool } from "@cdktf/provider-aws/lib/cognito-user-pool";
import { CognitoUserPoolClient } from "@cdktf/provider-aws/lib/cognito-user-pool-client";

export interface PasswordPolicy {
  /** Fewest characters in a password (8-99). @default - 12 */
  readonly minimumLength?: number;
  /** Require a lowercase letter. @default - true */
  readonly requireLowercase?: boolean;
  /** Require an uppercase letter. @default - true */
  readonly requireUppercase?: boolean;
  /** Require a digit. @default - true */
  readonly requireNumbers?: boolean;
  /** Require a symbol. @default - true */
  readonly requireSymbols?: boolean;
  /** Days an administrator-set temporary password stays valid (1-365). @default - 3 */
  readonly temporaryPasswordValidityDays?: number;
}

export interface UserPoolProps {
  /** Name of the user pool. */
  readonly userPoolName: string;
  /** Name of the app client that players sign in through (public: no secret, SRP and refresh only). */
  readonly clientName: string;
  /** Refuse deletion of the pool (and of every user in it) while ACTIVE. @default - "ACTIVE" */
  readonly deletionProtection?: "ACTIVE" | "INACTIVE";
  /** Multi-factor authentication, by TOTP app (software token). @default - "OPTIONAL" */
  readonly mfaConfiguration?: "OFF" | "ON" | "OPTIONAL";
  /** Password rules. @default - see PasswordPolicy */
  readonly passwordPolicy?: PasswordPolicy;
  /** Only administrators create users; players cannot sign themselves up. @default - false */
  readonly allowAdminCreateUserOnly?: boolean;
  /** Minutes an access token is valid (5-1440). @default - 60 */
  readonly accessTokenValidity?: number;
  /** Minutes an ID token is valid (5-1440). @default - 60 */
  readonly idTokenValidity?: number;
  /** Days a refresh token is valid (1-3650). @default - 30 */
  readonly refreshTokenValidity?: number;
}

/**
 * A Cognito user pool with one public app client and secure defaults: strong passwords, optional TOTP MFA, email
 * verification and recovery, no user-existence errors, token revocation, short-lived tokens, deletion protection.
 */
export class UserPool extends Construct {
  public readonly userPoolId: string;
  public readonly userPoolArn: string;
  /** `cognito-idp.<region>.amazonaws.com/<pool id>`. */
  public readonly userPoolEndpoint: string;
  public readonly userPoolClientId: string;
  /** The `iss` claim of the pool's tokens, where its JWKS is published under `/.well-known/jwks.json`. */
  public readonly issuerUrl: string;

  constructor(scope: Construct, id: string, props: UserPoolProps) {
    super(scope, id);
    const password = props.passwordPolicy ?? {};
    const minimumLength = password.minimumLength ?? 12;
    const temporaryPasswordValidityDays = password.temporaryPasswordValidityDays ?? 3;
    const mfaConfiguration = props.mfaConfiguration ?? "OPTIONAL";
    const accessTokenValidity = props.accessTokenValidity ?? 60;
    const idTokenValidity = props.idTokenValidity ?? 60;
    const refreshTokenValidity = props.refreshTokenValidity ?? 30;
    checkRange("Password minimum length", minimumLength, 8, 99);
    checkRange("Temporary password validity", temporaryPasswordValidityDays, 1, 365, " days");
    checkRange("Access token validity", accessTokenValidity, 5, 1440, " minutes");
    checkRange("ID token validity", idTokenValidity, 5, 1440, " minutes");
    checkRange("Refresh token validity", refreshTokenValidity, 1, 3650, " days");

    const pool = new CognitoUserPool(this, "pool", {
      name: props.userPoolName,
      passwordPolicy: {
        minimumLength,
        requireLowercase: password.requireLowercase ?? true,
        requireUppercase: password.requireUppercase ?? true,
        requireNumbers: password.requireNumbers ?? true,
        requireSymbols: password.requireSymbols ?? true,
        temporaryPasswordValidityDays,
      },
      mfaConfiguration,
      softwareTokenMfaConfiguration: mfaConfiguration === "OFF" ? undefined : { enabled: true },
      autoVerifiedAttributes: ["email"],
      accountRecoverySetting: { recoveryMechanism: [{ name: "verified_email", priority: 1 }] },
      adminCreateUserConfig: { allowAdminCreateUserOnly: props.allowAdminCreateUserOnly ?? false },
      deletionProtection: props.deletionProtection ?? "ACTIVE",
    });
    const client = new CognitoUserPoolClient(this, "client", {
      name: props.clientName,
      userPoolId: pool.id,
      generateSecret: false,
      explicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      preventUserExistenceErrors: "ENABLED",
      enableTokenRevocation: true,
      accessTokenValidity,
      idTokenValidity,
      refreshTokenValidity,
      tokenValidityUnits: [{ accessToken: "minutes", idToken: "minutes", refreshToken: "days" }],
    });

    this.userPoolId = pool.id;
    this.userPoolArn = pool.arn;
    this.userPoolEndpoint = pool.endpoint;
    this.userPoolClientId = client.id;
    this.issuerUrl = `https://${pool.endpoint}`;
  }
}

function checkRange(what: string, value: number, min: number, max: number, unit = ""): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${what} must be a whole number from ${min} to ${max}${unit}, got ${value}`);
  }
}
