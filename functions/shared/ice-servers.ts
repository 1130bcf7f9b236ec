import { createHmac } from "node:crypto";
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { EnvironmentError, positiveIntegerOr } from "./env";

/** One entry of `RTCConfiguration.iceServers`, as a browser takes it. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export interface IceSettings {
  stunUrls: string[];
  turnUrls: string[];
  /** ARN of the secret holding TURN's shared secret; set whenever there are TURN URLs. */
  turnSecretArn?: string;
  /** Seconds a TURN credential stays valid. */
  credentialTtlSeconds: number;
  /** Seconds the shared secret is kept before it is read again, so a rotated secret is picked up. */
  secretCacheSeconds: number;
}

function urlList(name: string, schemes: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const urls = (env[name] ?? "").split(",").map((url) => url.trim()).filter((url) => url !== "");
  for (const url of urls) {
    if (!schemes.some((scheme) => url.startsWith(`${scheme}:`))) {
      throw new EnvironmentError(`Environment variable ${name} must list ${schemes.join(" or ")} URLs, got "${url}"`);
    }
  }
  return urls;
}

/** Reads the ICE settings once, at cold start: STUN_URLS, TURN_URLS, TURN_SECRET_ARN, TURN_CREDENTIAL_TTL_SECONDS. */
export function iceSettings(env: NodeJS.ProcessEnv = process.env): IceSettings {
  const turnUrls = urlList("TURN_URLS", ["turn", "turns"], env);
  const turnSecretArn = env.TURN_SECRET_ARN || undefined;
  if (turnUrls.length > 0 && !turnSecretArn) throw new EnvironmentError("Environment variable TURN_SECRET_ARN is not set, and TURN_URLS needs it");
  return {
    stunUrls: urlList("STUN_URLS", ["stun", "stuns"], env),
    turnUrls,
    turnSecretArn,
    credentialTtlSeconds: positiveIntegerOr("TURN_CREDENTIAL_TTL_SECONDS", 3600, env),
    secretCacheSeconds: positiveIntegerOr("TURN_SECRET_CACHE_SECONDS", 300, env),
  };
}

/**
 * A time-limited TURN credential in the TURN REST scheme that coturn's `use-auth-secret` checks: the username is
 * `<expiry in Unix seconds>:<playerId>`, the credential `base64(HMAC-SHA1(secret, username))`.
 */
export function turnCredential(secret: string, playerId: string, nowSeconds: number, ttlSeconds: number): { username: string; credential: string } {
  const username = `${Math.floor(nowSeconds) + ttlSeconds}:${playerId}`;
  return { username, credential: createHmac("sha1", secret).update(username).digest("base64") };
}

/** The ICE servers a player is given on `join`: the STUN servers, and TURN with a credential of its own when configured. */
export class IceServers {
  private cached?: { secret: string; until: number };

  constructor(
    private readonly settings: IceSettings,
    private readonly secrets: SecretsManagerClient,
  ) {}

  async forPlayer(playerId: string, nowMs: number): Promise<IceServer[]> {
    const servers: IceServer[] = this.settings.stunUrls.length > 0 ? [{ urls: this.settings.stunUrls }] : [];
    if (this.settings.turnUrls.length === 0) return servers;
    const secret = await this.sharedSecret(nowMs);
    return [...servers, { urls: this.settings.turnUrls, ...turnCredential(secret, playerId, nowMs / 1000, this.settings.credentialTtlSeconds) }];
  }

  private async sharedSecret(nowMs: number): Promise<string> {
    if (this.cached && this.cached.until > nowMs) return this.cached.secret;
    const answer = await this.secrets.send(new GetSecretValueCommand({ SecretId: this.settings.turnSecretArn }));
    const secret = answer.SecretString;
    if (!secret) throw new Error(`Secret ${this.settings.turnSecretArn} has no string value; put TURN's shared secret in it`);
    this.cached = { secret, until: nowMs + this.settings.secretCacheSeconds * 1000 };
    return secret;
  }
}
