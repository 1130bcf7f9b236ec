import { CognitoJwtVerifier } from "aws-jwt-verify";
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidTokenUseError,
  JwtExpiredError,
  JwtInvalidSignatureError,
  KidNotFoundInJwksError,
} from "aws-jwt-verify/error";
import type { Fetcher } from "aws-jwt-verify/https";
import { SimpleJwksCache, type Jwks as VerifierJwks } from "aws-jwt-verify/jwk";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAuthService, type AuthService } from "../../local/auth/http-service";
import { LocalUserPools, type Jwks } from "../../local/auth/user-pools";

const REGION = "eu-west-1";
const POOL_A = `${REGION}_PlayersA1`;
const CLIENT_A = "playersaclient0000000000a1";
const POOL_B = `${REGION}_PlayersB2`;
const CLIENT_B = "playersbclient0000000000b2";
const POOL_MULTI = `${REGION}_TwoClients`;
const POOL_ELSEWHERE = "us-east-1_Elsewhere";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// Shifts the pools' clock only, so a token can be minted in the past while the verifier reads the real time
let clockOffsetMs = 0;
const pools = new LocalUserPools({ now: () => Date.now() + clockOffsetMs });
let service: AuthService;
let jwksA: Jwks;
let jwksB: Jwks;

/** Fails loudly instead of reaching AWS when a verifier misses a key in the JWKS it was given. */
const offline: Fetcher = {
  fetch: async (uri) => {
    throw new Error(`Unexpected JWKS fetch of ${uri}`);
  },
};

beforeAll(async () => {
  pools.addPool({ id: POOL_A, name: "players-a", clients: [{ id: CLIENT_A, name: "game" }] });
  pools.addPool({ id: POOL_B, name: "players-b", clients: [{ id: CLIENT_B, name: "game" }] });
  pools.addPool({
    id: POOL_MULTI,
    name: "two-clients",
    clients: [
      { id: "webclient", name: "web" },
      { id: "mobileclient", name: "mobile" },
    ],
  });
  pools.addPool({ id: POOL_ELSEWHERE, name: "elsewhere", clients: [{ id: "elsewhereclient", name: "game" }] });
  service = await startAuthService(pools, { region: REGION });
  [jwksA, jwksB] = await Promise.all([getJson<Jwks>(`/${POOL_A}/.well-known/jwks.json`), getJson<Jwks>(`/${POOL_B}/.well-known/jwks.json`)]);
});

afterAll(async () => {
  await service?.close();
});

interface TokenReply {
  idToken: string;
  accessToken: string;
  expiresIn: number;
  tokenType: string;
}

async function postToken(body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${service.url}/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function mint(body: Record<string, unknown>): Promise<TokenReply> {
  const reply = await postToken(body);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body as unknown as TokenReply;
}

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(`${service.url}${path}`);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

/** Does what the runtime's routing does for function code: sends Cognito's issuer host to the local service. */
function routedFetcher(fetched: string[] = []): Fetcher {
  return {
    fetch: async (uri) => {
      fetched.push(uri);
      const local = uri.replace(`https://cognito-idp.${REGION}.amazonaws.com`, service.url);
      return (await fetch(local)).arrayBuffer();
    },
  };
}

function verifierFor(userPoolId: string, clientId: string, jwks: Jwks) {
  const verifier = CognitoJwtVerifier.create({ userPoolId, clientId, tokenUse: null }, { jwksCache: new SimpleJwksCache({ fetcher: offline }) });
  verifier.cacheJwks(jwks as unknown as VerifierJwks);
  return verifier;
}

function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[index], "base64url").toString("utf8")) as Record<string, unknown>;
}

describe("tokens minted over HTTP", () => {
  it("mints an ID token that aws-jwt-verify accepts when verifying for the pool and its client", async () => {
    const tokens = await mint({ userPoolId: POOL_A, username: "alice" });

    const anyUse = await verifierFor(POOL_A, CLIENT_A, jwksA).verify(tokens.idToken);
    const idOnly = CognitoJwtVerifier.create({ userPoolId: POOL_A, clientId: CLIENT_A, tokenUse: "id" }, { jwksCache: new SimpleJwksCache({ fetcher: offline }) });
    idOnly.cacheJwks(jwksA as unknown as VerifierJwks);
    const claims = await idOnly.verify(tokens.idToken);

    expect(anyUse.sub).toBe(claims.sub);
    expect(claims).toMatchObject({
      token_use: "id",
      "cognito:username": "alice",
      aud: CLIENT_A,
      iss: `https://cognito-idp.${REGION}.amazonaws.com/${POOL_A}`,
    });
    expect(claims.sub).toMatch(UUID);
    expect(claims.exp - claims.iat).toBe(tokens.expiresIn);
    expect(tokens.expiresIn).toBe(3600);
    expect(tokens.tokenType).toBe("Bearer");
    expect(claims.auth_time).toBe(claims.iat);
    expect(Object.keys(claims).sort()).toEqual(
      ["sub", "iss", "cognito:username", "origin_jti", "aud", "event_id", "token_use", "auth_time", "exp", "iat", "jti"].sort(),
    );
  });

  it("mints an access token that aws-jwt-verify accepts when verifying for access tokens", async () => {
    const tokens = await mint({ userPoolId: POOL_A, username: "alice" });

    const anyUse = await verifierFor(POOL_A, CLIENT_A, jwksA).verify(tokens.accessToken);
    const accessOnly = CognitoJwtVerifier.create({ userPoolId: POOL_A, clientId: CLIENT_A, tokenUse: "access" }, { jwksCache: new SimpleJwksCache({ fetcher: offline }) });
    accessOnly.cacheJwks(jwksA as unknown as VerifierJwks);
    const claims = await accessOnly.verify(tokens.accessToken);

    expect(anyUse.jti).toBe(claims.jti);
    expect(claims).toMatchObject({
      token_use: "access",
      username: "alice",
      client_id: CLIENT_A,
      scope: "aws.cognito.signin.user.admin",
      iss: `https://cognito-idp.${REGION}.amazonaws.com/${POOL_A}`,
    });
    expect(claims.exp - claims.iat).toBe(tokens.expiresIn);
    expect(Object.keys(claims).sort()).toEqual(
      ["sub", "iss", "client_id", "origin_jti", "event_id", "token_use", "scope", "auth_time", "exp", "iat", "jti", "username"].sort(),
    );
  });

  it("ties the two tokens to one sign-in when they are minted together", async () => {
    const tokens = await mint({ userPoolId: POOL_A, username: "alice" });

    const id = decodePart(tokens.idToken, 1);
    const access = decodePart(tokens.accessToken, 1);

    expect(access.sub).toBe(id.sub);
    expect(access.event_id).toBe(id.event_id);
    expect(access.origin_jti).toBe(id.origin_jti);
    expect(access.jti).not.toBe(id.jti);
    expect(id.event_id).toMatch(UUID);
    expect(id.origin_jti).toMatch(UUID);
  });

  it("signs ID and access tokens with two different keys of the pool's JWKS when both come from one sign-in", async () => {
    const tokens = await mint({ userPoolId: POOL_A, username: "alice" });

    const idHeader = decodePart(tokens.idToken, 0);
    const accessHeader = decodePart(tokens.accessToken, 0);

    expect(Object.keys(idHeader)).toEqual(["kid", "alg"]);
    expect(idHeader.alg).toBe("RS256");
    expect(accessHeader.kid).not.toBe(idHeader.kid);
    expect(jwksA.keys.map((key) => key.kid).sort()).toEqual([idHeader.kid, accessHeader.kid].sort());
    for (const key of jwksA.keys) {
      expect(key).toEqual({ alg: "RS256", e: "AQAB", kid: expect.any(String), kty: "RSA", n: expect.any(String), use: "sig" });
      expect(Buffer.from(key.n, "base64url")).toHaveLength(256);
    }
  });

  it("gives a username the same sub on every sign-in and another sub in another pool", async () => {
    const first = await mint({ userPoolId: POOL_A, username: "alice" });
    const second = await mint({ userPoolId: POOL_A, username: "alice" });
    const otherPool = await mint({ userPoolId: POOL_B, username: "alice" });
    const otherUser = await mint({ userPoolId: POOL_A, username: "bob" });

    const sub = decodePart(first.idToken, 1).sub;

    expect(decodePart(second.idToken, 1).sub).toBe(sub);
    expect(decodePart(otherPool.idToken, 1).sub).not.toBe(sub);
    expect(decodePart(otherUser.idToken, 1).sub).not.toBe(sub);
    expect(decodePart(second.idToken, 1).jti).not.toBe(decodePart(first.idToken, 1).jti);
  });

  it("puts groups, email and the requested lifetime in the claims when the request names them", async () => {
    const tokens = await mint({
      userPoolId: POOL_A,
      username: "carol",
      clientId: CLIENT_A,
      expiresInSeconds: 600,
      groups: ["admins", "players", "admins"],
      email: "carol@example.com",
    });

    const verifier = verifierFor(POOL_A, CLIENT_A, jwksA);
    const id = await verifier.verify(tokens.idToken);
    const access = await verifier.verify(tokens.accessToken);

    expect(tokens.expiresIn).toBe(600);
    expect(id.exp - id.iat).toBe(600);
    expect(access.exp - access.iat).toBe(600);
    expect(id["cognito:groups"]).toEqual(["admins", "players"]);
    expect(access["cognito:groups"]).toEqual(["admins", "players"]);
    expect(id).toMatchObject({ email: "carol@example.com", email_verified: true });
    expect(access).not.toHaveProperty("email");
  });

  it("verifies through the JWKS address the verifier derives when the issuer host is routed to the service", async () => {
    const tokens = await mint({ userPoolId: POOL_A, username: "alice" });
    const fetched: string[] = [];
    const verifier = CognitoJwtVerifier.create({ userPoolId: POOL_A, clientId: CLIENT_A, tokenUse: null }, { jwksCache: new SimpleJwksCache({ fetcher: routedFetcher(fetched) }) });

    const id = await verifier.verify(tokens.idToken);
    const access = await verifier.verify(tokens.accessToken);

    expect(id.token_use).toBe("id");
    expect(access.token_use).toBe("access");
    expect(fetched).toEqual([`https://cognito-idp.${REGION}.amazonaws.com/${POOL_A}/.well-known/jwks.json`]);
  });

  it("serves a discovery document whose issuer is the tokens' iss when asked for the OpenID configuration", async () => {
    const tokens = await mint({ userPoolId: POOL_A, username: "alice" });

    const document = await getJson<Record<string, unknown>>(`/${POOL_A}/.well-known/openid-configuration`);

    expect(document.issuer).toBe(decodePart(tokens.idToken, 1).iss);
    expect(document.jwks_uri).toBe(`https://cognito-idp.${REGION}.amazonaws.com/${POOL_A}/.well-known/jwks.json`);
    expect(document.id_token_signing_alg_values_supported).toEqual(["RS256"]);
  });
});

describe("tokens the verifier must refuse", () => {
  it("refuses a token of pool A when verifying for pool B", async () => {
    const tokens = await mint({ userPoolId: POOL_A, username: "alice" });

    const verifier = verifierFor(POOL_B, CLIENT_B, jwksB);

    // aws-jwt-verify reports an issuer it was not set up for as a ParameterValidationError
    await expect(verifier.verify(tokens.idToken)).rejects.toThrow(`issuer not configured: https://cognito-idp.${REGION}.amazonaws.com/${POOL_A}`);
    await expect(verifier.verify(tokens.accessToken)).rejects.toThrow(`issuer not configured: https://cognito-idp.${REGION}.amazonaws.com/${POOL_A}`);
  });

  it("refuses a token signed by pool A's key when its claims are rewritten to pool B", async () => {
    const tokens = await mint({ userPoolId: POOL_A, username: "alice" });
    const [header, , signature] = tokens.idToken.split(".");
    const claims = { ...decodePart(tokens.idToken, 1), iss: `https://cognito-idp.${REGION}.amazonaws.com/${POOL_B}`, aud: CLIENT_B };
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
    const verifier = CognitoJwtVerifier.create({ userPoolId: POOL_B, clientId: CLIENT_B, tokenUse: null }, { jwksCache: new SimpleJwksCache({ fetcher: routedFetcher() }) });

    const verifying = verifier.verify(forged);

    await expect(verifying).rejects.toThrow(KidNotFoundInJwksError);
  });

  it("refuses a token when the verifier expects another client of the pool", async () => {
    const tokens = await mint({ userPoolId: POOL_A, username: "alice" });

    const verifier = verifierFor(POOL_A, "someotherclient", jwksA);

    await expect(verifier.verify(tokens.idToken)).rejects.toThrow(CognitoJwtInvalidClientIdError);
    await expect(verifier.verify(tokens.accessToken)).rejects.toThrow(CognitoJwtInvalidClientIdError);
  });

  it("refuses an access token when the verifier accepts ID tokens only", async () => {
    const tokens = await mint({ userPoolId: POOL_A, username: "alice" });
    const idOnly = CognitoJwtVerifier.create({ userPoolId: POOL_A, clientId: CLIENT_A, tokenUse: "id" }, { jwksCache: new SimpleJwksCache({ fetcher: offline }) });
    idOnly.cacheJwks(jwksA as unknown as VerifierJwks);

    const verifying = idOnly.verify(tokens.accessToken);

    await expect(verifying).rejects.toThrow(CognitoJwtInvalidTokenUseError);
  });

  it("refuses a token when its payload was altered after signing", async () => {
    const tokens = await mint({ userPoolId: POOL_A, username: "alice" });
    const [header, , signature] = tokens.idToken.split(".");
    const claims = { ...decodePart(tokens.idToken, 1), "cognito:username": "mallory" };
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;

    const verifying = verifierFor(POOL_A, CLIENT_A, jwksA).verify(forged);

    await expect(verifying).rejects.toThrow(JwtInvalidSignatureError);
  });

  it("refuses a token when its lifetime has passed", async () => {
    clockOffsetMs = -2 * 3600 * 1000;
    let tokens: TokenReply;
    try {
      tokens = await mint({ userPoolId: POOL_A, username: "alice", expiresInSeconds: 3600 });
    } finally {
      clockOffsetMs = 0;
    }
    const verifier = verifierFor(POOL_A, CLIENT_A, jwksA);

    await expect(verifier.verify(tokens.idToken)).rejects.toThrow(JwtExpiredError);
    await expect(verifier.verify(tokens.accessToken)).rejects.toThrow(JwtExpiredError);
  });
});

describe("errors of the auth service", () => {
  it("answers ResourceNotFoundException with Cognito's 400 when the token request names an unknown pool", async () => {
    const reply = await postToken({ userPoolId: `${REGION}_Missing`, username: "alice" });

    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ __type: "ResourceNotFoundException", message: `User pool ${REGION}_Missing does not exist` });
  });

  it("answers ResourceNotFoundException with 404 when the JWKS of an unknown pool is requested", async () => {
    const response = await fetch(`${service.url}/${REGION}_Missing/.well-known/jwks.json`);

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ __type: "ResourceNotFoundException", message: `User pool ${REGION}_Missing does not exist` });
  });

  it("answers ResourceNotFoundException when the client is not one of the pool's", async () => {
    const reply = await postToken({ userPoolId: POOL_A, username: "alice", clientId: CLIENT_B });

    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ __type: "ResourceNotFoundException", message: `User pool client ${CLIENT_B} does not exist` });
  });

  it("answers InvalidParameterException naming the clients when a pool has several and the request names none", async () => {
    const reply = await postToken({ userPoolId: POOL_MULTI, username: "alice" });

    expect(reply.status).toBe(400);
    expect(reply.body.__type).toBe("InvalidParameterException");
    expect(reply.body.message).toContain("webclient");
    expect(reply.body.message).toContain("mobileclient");
  });

  it("does not find a pool of another region when the service plays one region", async () => {
    const reply = await postToken({ userPoolId: POOL_ELSEWHERE, username: "alice" });
    const jwks = await fetch(`${service.url}/${POOL_ELSEWHERE}/.well-known/jwks.json`);

    expect(reply.status).toBe(400);
    expect(reply.body.__type).toBe("ResourceNotFoundException");
    expect(reply.body.message).toContain(POOL_ELSEWHERE);
    expect(jwks.status).toBe(404);
  });

  it.each([
    ["empty", ""],
    ["longer than 128 characters", "a".repeat(129)],
    ["holding a space", "alice smith"],
    ["holding a control character", "alice\u0000"],
  ])("answers InvalidParameterException naming the username when it is %s", async (_, username) => {
    const reply = await postToken({ userPoolId: POOL_A, username });

    expect(reply.status).toBe(400);
    expect(reply.body.__type).toBe("InvalidParameterException");
    expect(reply.body.message).toContain(JSON.stringify(username).slice(0, 40));
    expect(reply.body.message).not.toMatch(/\.$/);
  });

  it("accepts a username of letters, symbols and punctuation when it is 128 characters long", async () => {
    const username = `élise+tag@example.com_${"x".repeat(128 - 22)}`;

    const tokens = await mint({ userPoolId: POOL_A, username });

    expect(decodePart(tokens.accessToken, 1).username).toBe(username);
  });

  it.each([0, 86_401, 1.5])("answers InvalidParameterException when expiresInSeconds is %s", async (expiresInSeconds) => {
    const reply = await postToken({ userPoolId: POOL_A, username: "alice", expiresInSeconds });

    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ __type: "InvalidParameterException", message: `expiresInSeconds must be a whole number from 1 to 86400, got ${expiresInSeconds}` });
  });

  it("answers InvalidParameterException when a group name holds a space", async () => {
    const reply = await postToken({ userPoolId: POOL_A, username: "alice", groups: ["game admins"] });

    expect(reply.status).toBe(400);
    expect(reply.body.__type).toBe("InvalidParameterException");
    expect(reply.body.message).toContain('"game admins"');
  });

  it("answers SerializationException with 400 when the body is not JSON", async () => {
    const reply = await postToken("{ not json");

    expect(reply.status).toBe(400);
    expect(reply.body.__type).toBe("SerializationException");
    expect(reply.body.message).toMatch(/^Request body is not valid JSON/);
  });

  it("answers SerializationException when a field has the wrong JSON type", async () => {
    const reply = await postToken({ userPoolId: POOL_A, username: 42 });

    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ __type: "SerializationException", message: "Field username must be a JSON string, got 42" });
  });

  it("answers InvalidParameterException when the body names a field the service does not know", async () => {
    const reply = await postToken({ userPoolId: POOL_A, username: "alice", clientID: CLIENT_A });

    expect(reply.status).toBe(400);
    expect(reply.body.__type).toBe("InvalidParameterException");
    expect(reply.body.message).toContain('"clientID"');
  });

  it("answers InvalidParameterException when the username is missing", async () => {
    const reply = await postToken({ userPoolId: POOL_A });

    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ __type: "InvalidParameterException", message: "Missing required field username in the token request" });
  });

  it("answers 413 when the body is over 64 KiB", async () => {
    const reply = await postToken({ userPoolId: POOL_A, username: "alice", groups: Array.from({ length: 7000 }, (_, index) => `group-${index}`) });

    expect(reply.status).toBe(413);
    expect(reply.body.__type).toBe("RequestEntityTooLargeException");
  });

  it("answers 404 with a not-implemented message when the path is unknown", async () => {
    const response = await fetch(`${service.url}/oauth2/token`, { method: "POST", body: "grant_type=client_credentials" });
    const body = (await response.json()) as Record<string, string>;

    expect(response.status).toBe(404);
    expect(body.__type).toBe("UnknownOperationException");
    expect(body.message).toContain("POST /oauth2/token is not implemented by the local runtime");
  });

  it("answers 405 with an Allow header when the method is not supported on a known path", async () => {
    const response = await fetch(`${service.url}/token`);
    const body = (await response.json()) as Record<string, string>;

    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect(body).toEqual({ __type: "MethodNotAllowedException", message: "GET /token is not implemented by the local runtime; use POST" });
  });
});

describe("LocalUserPools.addPool", () => {
  it("throws InvalidParameterException naming the ID when the pool ID does not start with a region", () => {
    const local = new LocalUserPools();

    const adding = () => local.addPool({ id: "local_pool", name: "p", clients: [] });

    expect(adding).toThrow(expect.objectContaining({ code: "InvalidParameterException", statusCode: 400, message: expect.stringContaining('"local_pool"') }));
  });

  it("throws InvalidParameterException when a pool is added twice", () => {
    const local = new LocalUserPools();
    local.addPool({ id: POOL_A, name: "p", clients: [] });

    const adding = () => local.addPool({ id: POOL_A, name: "p", clients: [] });

    expect(adding).toThrow(`User pool ${POOL_A} is already added`);
  });

  it("refuses to mint when the pool has no app client", async () => {
    const local = new LocalUserPools();
    local.addPool({ id: POOL_A, name: "p", clients: [] });

    const minting = local.mintTokens({ userPoolId: POOL_A, username: "alice" });

    await expect(minting).rejects.toMatchObject({ code: "InvalidParameterException", message: `User pool ${POOL_A} has no app client to sign in with` });
  });
});

describe("LocalUserPools with a keys folder", () => {
  const keysDir = mkdtempSync(join(tmpdir(), "pool-keys-"));
  const spec = { id: POOL_A, name: "players-a", clients: [{ id: CLIENT_A, name: "game" }] };
  afterAll(() => rmSync(keysDir, { recursive: true, force: true }));

  it("does verify a token minted before a restart when the new pools read the same folder", async () => {
    // prepare
    const before = new LocalUserPools({ keysDir });
    before.addPool(spec);
    const { idToken } = await before.mintTokens({ userPoolId: POOL_A, username: "alice" });
    const after = new LocalUserPools({ keysDir });
    after.addPool(spec);
    const verifier = CognitoJwtVerifier.create({ userPoolId: POOL_A, tokenUse: "id", clientId: CLIENT_A });
    // act
    verifier.cacheJwks((await after.jwks(POOL_A)) as unknown as VerifierJwks);
    const payload = await verifier.verify(idToken);
    // assess
    expect(payload["cognito:username"]).toBe("alice");
    expect(await after.jwks(POOL_A)).toEqual(await before.jwks(POOL_A));
    expect(statSync(join(keysDir, `${POOL_A}.json`)).mode & 0o077).toBe(0);
  });

  it("does refuse to mint, naming the file and the way out, when the kept keys are not readable", async () => {
    // prepare
    const file = join(keysDir, `${POOL_B}.json`);
    writeFileSync(file, JSON.stringify({ id: "not a key", access: "not a key" }));
    const local = new LocalUserPools({ keysDir });
    local.addPool({ id: POOL_B, name: "players-b", clients: [{ id: CLIENT_B, name: "game" }] });
    // act
    const minting = local.mintTokens({ userPoolId: POOL_B, username: "alice" });
    // assess
    await expect(minting).rejects.toThrow(`Signing keys in ${file} cannot be read`);
    await expect(local.mintTokens({ userPoolId: POOL_B, username: "alice" })).rejects.toThrow("delete the file to make new ones");
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ id: "not a key", access: "not a key" });
  });
});
