/**
 * Local Cognito user pools: each pool has its own RSA signing keys and mints ID and access tokens with the header
 * and claims that Cognito's InitiateAuth puts in them, so the unchanged `aws-jwt-verify` code accepts them.
 *
 * As in Cognito, ID tokens and access tokens are signed with two different keys (two `kid`s in the pool's JWKS).
 * Keys are made on the first use of a pool, in the background thread pool: RSA-2048 generation costs hundreds of
 * milliseconds, and most pools of a run are never asked for a token. Given a folder, a pool keeps its keys there, so
 * that tokens minted in one run still verify in the next, as they would against the one real pool.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, randomUUID, sign, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { invalidParameter, resourceNotFound } from "./errors";

export interface UserPoolClientSpec {
  id: string;
  name: string;
}

export interface UserPoolSpec {
  /** `<region>_<suffix>`, as Cognito makes them; the region becomes part of the token issuer. */
  id: string;
  name: string;
  clients: UserPoolClientSpec[];
}

export interface MintTokensInput {
  userPoolId: string;
  username: string;
  /** @default - the pool's only app client; required when the pool has several */
  clientId?: string;
  /** Lifetime of both tokens. @default - 3600; at most 86400 (Cognito's 1 day) */
  expiresInSeconds?: number;
  /** Put in `cognito:groups` of both tokens. @default - no groups, no claim */
  groups?: string[];
  /** Put in the ID token's `email`, with `email_verified: true`. @default - no email claims */
  email?: string;
}

export interface MintedTokens {
  idToken: string;
  accessToken: string;
  expiresIn: number;
  tokenType: "Bearer";
}

export interface Jwk {
  alg: "RS256";
  e: string;
  kid: string;
  kty: "RSA";
  n: string;
  use: "sig";
}

export interface Jwks {
  keys: Jwk[];
}

export interface LocalUserPoolsOptions {
  /** Milliseconds since the epoch, read at each mint. @default - Date.now() */
  now?: () => number;
  /** Folder where each pool keeps its signing keys between runs (`<pool id>.json`). @default - keys live in memory only */
  keysDir?: string;
}

export const DEFAULT_EXPIRES_IN_SECONDS = 3600;
export const MAX_EXPIRES_IN_SECONDS = 86_400;
/** The scope Cognito puts in access tokens from its own sign-in API (InitiateAuth), without custom scopes. */
export const SIGN_IN_SCOPE = "aws.cognito.signin.user.admin";

// Patterns and lengths of Cognito's API model (UserPoolIdType, ClientIdType, UsernameType, GroupNameType)
const POOL_ID_FORMAT = /^[\w-]+_[0-9a-zA-Z]+$/;
const MAX_POOL_ID_LENGTH = 55;
/** Stricter than Cognito's format: pools added here must start with a region, which the issuer is made of. */
const REGIONAL_POOL_ID = /^([a-z]{2}(?:-[a-z]+)+-\d+)_[0-9a-zA-Z]+$/;
const CLIENT_ID = /^[\w+]{1,128}$/;
const NAME = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$/u;
const MAX_NAME_LENGTH = 128;
const MAX_ATTRIBUTE_LENGTH = 2048;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
/** Namespace of the name-based (version 5) UUIDs that stand for users' `sub`. */
const SUB_NAMESPACE = Buffer.from("6f1c2a4e0b7d4c1f9a3e5d2b8c7f0e41", "hex");

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  jwk: Jwk;
}

interface PoolKeys {
  id: SigningKey;
  access: SigningKey;
}

interface Pool {
  spec: UserPoolSpec;
  region: string;
  keys?: Promise<PoolKeys>;
}

export class LocalUserPools {
  private readonly pools = new Map<string, Pool>();
  private readonly now: () => number;
  private readonly keysDir?: string;

  constructor(options: LocalUserPoolsOptions = {}) {
    this.now = options.now ?? (() => Date.now());
    this.keysDir = options.keysDir;
  }

  addPool(spec: UserPoolSpec): void {
    const region = REGIONAL_POOL_ID.exec(spec.id)?.[1];
    if (region === undefined) {
      throw invalidParameter(`User pool ID must look like <region>_<alphanumerics>, got ${JSON.stringify(spec.id)}`);
    }
    if (this.pools.has(spec.id)) throw invalidParameter(`User pool ${spec.id} is already added`);
    const seen = new Set<string>();
    for (const client of spec.clients) {
      if (!CLIENT_ID.test(client.id)) {
        throw invalidParameter(`App client ID of user pool ${spec.id} must match [\\w+]{1,128}, got ${JSON.stringify(client.id)}`);
      }
      if (seen.has(client.id)) throw invalidParameter(`User pool ${spec.id} lists app client ${client.id} twice`);
      seen.add(client.id);
    }
    this.pools.set(spec.id, { spec: { ...spec, clients: [...spec.clients] }, region });
  }

  has(userPoolId: string): boolean {
    return this.pools.has(userPoolId);
  }

  /** The pool's region, the prefix of its ID; undefined for an unknown pool. */
  regionOf(userPoolId: string): string | undefined {
    return this.pools.get(userPoolId)?.region;
  }

  /** `https://cognito-idp.{region}.amazonaws.com/{userPoolId}`, the `iss` of the pool's tokens. */
  issuer(userPoolId: string): string {
    const pool = this.pool(userPoolId);
    return `https://cognito-idp.${pool.region}.amazonaws.com/${pool.spec.id}`;
  }

  /** The public keys of the pool, as its `/.well-known/jwks.json` serves them. */
  async jwks(userPoolId: string): Promise<Jwks> {
    const keys = await this.keysOf(this.pool(userPoolId));
    return { keys: [keys.id.jwk, keys.access.jwk] };
  }

  /** Signs in `username` as Cognito's InitiateAuth would, without a password: one ID token and one access token. */
  async mintTokens(input: MintTokensInput): Promise<MintedTokens> {
    // Parameters are checked before resources are looked up, as Cognito's front end does
    const userPoolId = checkPoolId(input.userPoolId);
    const username = checkName("Username", input.username);
    const expiresIn = checkExpiresIn(input.expiresInSeconds);
    const groups = input.groups === undefined ? [] : [...new Set(input.groups.map((group) => checkName("Group name", group)))];
    const email = input.email === undefined ? undefined : checkEmail(input.email);
    const pool = this.pool(userPoolId);
    const clientId = clientOf(pool, input.clientId);
    const keys = await this.keysOf(pool);

    const issuedAt = Math.floor(this.now() / 1000);
    const sub = subOf(pool.spec.id, username);
    const iss = this.issuer(pool.spec.id);
    // One sign-in event: both tokens share event_id and origin_jti, each has its own jti
    const eventId = randomUUID();
    const originJti = randomUUID();
    const groupsClaim = groups.length > 0 ? { "cognito:groups": groups } : {};
    const times = { auth_time: issuedAt, exp: issuedAt + expiresIn, iat: issuedAt };

    const idClaims = {
      sub,
      ...groupsClaim,
      ...(email === undefined ? {} : { email_verified: true }),
      iss,
      "cognito:username": username,
      origin_jti: originJti,
      aud: clientId,
      event_id: eventId,
      token_use: "id",
      ...times,
      jti: randomUUID(),
      ...(email === undefined ? {} : { email }),
    };
    const accessClaims = {
      sub,
      ...groupsClaim,
      iss,
      client_id: clientId,
      origin_jti: originJti,
      event_id: eventId,
      token_use: "access",
      scope: SIGN_IN_SCOPE,
      ...times,
      jti: randomUUID(),
      username,
    };
    return {
      idToken: signJwt(keys.id, idClaims),
      accessToken: signJwt(keys.access, accessClaims),
      expiresIn,
      tokenType: "Bearer",
    };
  }

  private pool(userPoolId: string): Pool {
    const pool = this.pools.get(userPoolId);
    if (!pool) throw resourceNotFound(`User pool ${userPoolId} does not exist`);
    return pool;
  }

  private keysOf(pool: Pool): Promise<PoolKeys> {
    if (pool.keys) return pool.keys;
    const keys = this.keysDir === undefined ? newPoolKeys() : keptPoolKeys(join(this.keysDir, `${pool.spec.id}.json`));
    pool.keys = keys;
    // A failed generation is reported to its callers and tried again by the next one
    keys.catch(() => {
      if (pool.keys === keys) pool.keys = undefined;
    });
    return keys;
  }
}

function checkPoolId(value: string): string {
  if (value.length > MAX_POOL_ID_LENGTH || !POOL_ID_FORMAT.test(value)) {
    throw invalidParameter(`User pool ID must match [\\w-]+_[0-9a-zA-Z]+ (at most ${MAX_POOL_ID_LENGTH} characters), got ${JSON.stringify(value.slice(0, 200))}`);
  }
  return value;
}

function clientOf(pool: Pool, clientId: string | undefined): string {
  const { clients, id } = pool.spec;
  if (clientId !== undefined) {
    if (!clients.some((client) => client.id === clientId)) throw resourceNotFound(`User pool client ${clientId} does not exist`);
    return clientId;
  }
  if (clients.length === 1) return clients[0].id;
  if (clients.length === 0) throw invalidParameter(`User pool ${id} has no app client to sign in with`);
  const choices = clients.map((client) => `${client.id} (${client.name})`).join(", ");
  throw invalidParameter(`User pool ${id} has ${clients.length} app clients; name one as clientId: ${choices}`);
}

function checkName(what: string, value: string): string {
  if (value.length < 1 || value.length > MAX_NAME_LENGTH) {
    throw invalidParameter(`${what} must be 1 to ${MAX_NAME_LENGTH} characters long, got ${value.length}: ${JSON.stringify(value)}`);
  }
  if (!NAME.test(value)) {
    throw invalidParameter(`${what} may hold letters, marks, symbols, numbers and punctuation only (no spaces or control characters), got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkExpiresIn(value: number | undefined): number {
  if (value === undefined) return DEFAULT_EXPIRES_IN_SECONDS;
  if (!Number.isInteger(value) || value < 1 || value > MAX_EXPIRES_IN_SECONDS) {
    throw invalidParameter(`expiresInSeconds must be a whole number from 1 to ${MAX_EXPIRES_IN_SECONDS}, got ${value}`);
  }
  return value;
}

function checkEmail(value: string): string {
  if (value.length > MAX_ATTRIBUTE_LENGTH || !EMAIL.test(value)) {
    throw invalidParameter(`Invalid email address format: ${JSON.stringify(value.slice(0, 200))}`);
  }
  return value;
}

/** A stable user ID per pool and username, shaped like Cognito's `sub` (a UUID). */
function subOf(userPoolId: string, username: string): string {
  const hash = createHash("sha1").update(SUB_NAMESPACE).update(`${userPoolId}/${username}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function signJwt(key: SigningKey, claims: Record<string, unknown>): string {
  // Cognito's header has exactly these two members, in this order
  const header = base64url(JSON.stringify({ kid: key.kid, alg: "RS256" }));
  const payload = base64url(JSON.stringify(claims));
  const signature = sign("sha256", Buffer.from(`${header}.${payload}`), key.privateKey);
  return `${header}.${payload}.${signature.toString("base64url")}`;
}

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

async function newPoolKeys(): Promise<PoolKeys> {
  const [id, access] = await Promise.all([newSigningKey(), newSigningKey()]);
  return { id, access };
}

/** The pool's keys from `file`, or new ones written there (private keys as PKCS #8 PEM, readable by the owner only). */
async function keptPoolKeys(file: string): Promise<PoolKeys> {
  if (existsSync(file)) {
    try {
      const kept = JSON.parse(readFileSync(file, "utf8")) as { id: string; access: string };
      return { id: signingKeyOf(createPrivateKey(kept.id)), access: signingKeyOf(createPrivateKey(kept.access)) };
    } catch (error) {
      throw new Error(`Signing keys in ${file} cannot be read (${(error as Error).message}); delete the file to make new ones`);
    }
  }
  const keys = await newPoolKeys();
  const pem = (key: SigningKey) => key.privateKey.export({ format: "pem", type: "pkcs8" });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ id: pem(keys.id), access: pem(keys.access) }, null, 2)}\n`, { mode: 0o600 });
  return keys;
}

async function newSigningKey(): Promise<SigningKey> {
  const privateKey = await new Promise<KeyObject>((resolve, reject) =>
    generateKeyPair("rsa", { modulusLength: 2048, publicExponent: 0x10001 }, (error, _publicKey, privateKey) =>
      error ? reject(error) : resolve(privateKey),
    ),
  );
  return signingKeyOf(privateKey);
}

function signingKeyOf(privateKey: KeyObject): SigningKey {
  if (privateKey.asymmetricKeyType !== "rsa") throw new Error(`Expected an RSA private key, got ${privateKey.asymmetricKeyType}`);
  const { e, n } = createPublicKey(privateKey).export({ format: "jwk" });
  if (typeof e !== "string" || typeof n !== "string") throw new Error("RSA public key exported without e and n");
  // The RFC 7638 thumbprint, in standard base64 like Cognito's kids: a new key gets a new kid, so verifiers that
  // cached an older JWKS look the key up again instead of failing on a stale one
  const thumbprint = createHash("sha256").update(JSON.stringify({ e, kty: "RSA", n })).digest("base64");
  return { kid: thumbprint, privateKey, jwk: { alg: "RS256", e, kid: thumbprint, kty: "RSA", n, use: "sig" } };
}
