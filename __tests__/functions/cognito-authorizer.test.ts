import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { CognitoJwtVerifier } from "aws-jwt-verify";
import fc from "fast-check";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { AuthorizerResult, WebSocketAuthorizerEvent } from "../../functions/cognito-authorizer/index";
import { setBaseEnvironment, tokenClaimsArbitrary, wellFormedClaims } from "./support";

const USER_POOL_ID = "us-east-1_TestPool1";
const CLIENT_ID = "game-client-id";
const ISSUER = `https://cognito-idp.us-east-1.amazonaws.com/${USER_POOL_ID}`;
const KID = "test-key-1";
const METHOD_ARN = "arn:aws:execute-api:us-east-1:111122223333:abc123/prod/$connect";
setBaseEnvironment({ USER_POOL_ID, USER_POOL_CLIENT_ID: CLIENT_ID });

const poolKey = generateKeyPairSync("rsa", { modulusLength: 2048 });
const otherKey = generateKeyPairSync("rsa", { modulusLength: 2048 });

let handler: (event: WebSocketAuthorizerEvent) => Promise<AuthorizerResult>;
let tokenFrom: (event: WebSocketAuthorizerEvent) => string | undefined;
/** The verifier the handler built, to learn why a token was refused. */
let verifier: { verify(token: string): Promise<unknown>; cacheJwks(jwks: unknown): void };

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** An RS256 JWT with the claims, signed by the key and naming the kid. */
function jwt(claims: Record<string, unknown>, key: KeyObject = poolKey.privateKey, kid = KID): string {
  const signingInput = `${base64url({ alg: "RS256", typ: "JWT", kid })}.${base64url(claims)}`;
  return `${signingInput}.${sign("RSA-SHA256", Buffer.from(signingInput), key).toString("base64url")}`;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Claims of a Cognito ID token of this pool's game client for the player alice. */
function idClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub: "8f1c-alice-sub",
    aud: CLIENT_ID,
    iss: ISSUER,
    token_use: "id",
    "cognito:username": "alice",
    auth_time: nowSeconds() - 60,
    iat: nowSeconds() - 60,
    exp: nowSeconds() + 3600,
    ...overrides,
  };
}

/** Claims of a Cognito access token of this pool's game client. */
function accessClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub: "8f1c-alice-sub",
    client_id: CLIENT_ID,
    iss: ISSUER,
    token_use: "access",
    scope: "openid",
    username: "alice",
    auth_time: nowSeconds() - 60,
    iat: nowSeconds() - 60,
    exp: nowSeconds() + 3600,
    ...overrides,
  };
}

function authorizerEvent(parts: Partial<WebSocketAuthorizerEvent> = {}): WebSocketAuthorizerEvent {
  return { methodArn: METHOD_ARN, requestContext: { connectionId: "conn-1", requestId: "req-1" }, ...parts };
}

const bearer = (token: string) => authorizerEvent({ headers: { Authorization: `Bearer ${token}` } });

beforeAll(async () => {
  // The handler builds its verifier at load; it is given the pool's JWKS up front so nothing is fetched.
  const jwks = { keys: [{ ...poolKey.publicKey.export({ format: "jwk" }), kid: KID, alg: "RS256", use: "sig" }] };
  const create = CognitoJwtVerifier.create.bind(CognitoJwtVerifier);
  const spy = vi.spyOn(CognitoJwtVerifier, "create").mockImplementation(((...args: Parameters<typeof create>) => {
    const created = create(...args);
    verifier = created as unknown as typeof verifier;
    verifier.cacheJwks(jwks);
    return created;
  }) as typeof CognitoJwtVerifier.create);
  ({ handler, tokenFrom } = await import("../../functions/cognito-authorizer/index"));
  expect(spy).toHaveBeenCalledWith({ userPoolId: USER_POOL_ID, clientId: CLIENT_ID, tokenUse: null });
  spy.mockRestore();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("cognito-authorizer handler", () => {
  it("does allow the connection on the method ARN with the player's id and username when the ID token is valid", async () => {
    // prepare
    const event = bearer(jwt(idClaims()));
    // act
    const result = await handler(event);
    // assess
    expect(result).toEqual({
      principalId: "8f1c-alice-sub",
      policyDocument: {
        Version: "2012-10-17",
        Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: METHOD_ARN }],
      },
      context: { userId: "8f1c-alice-sub", username: "alice" },
    });
  });

  it.each(["authorization", "AUTHORIZATION", "aUtHoRiZaTiOn"])("does read the token when the header is spelt %s", async (name) => {
    // prepare
    const event = authorizerEvent({ headers: { [name]: `Bearer ${jwt(idClaims())}` } });
    // act
    const result = await handler(event);
    // assess
    expect(result.context).toEqual({ userId: "8f1c-alice-sub", username: "alice" });
  });

  it("does read the token from ?token= when the browser cannot set headers", async () => {
    // prepare
    const event = authorizerEvent({ queryStringParameters: { token: jwt(idClaims()) } });
    // act
    const result = await handler(event);
    // assess
    expect(result.policyDocument.Statement[0]).toEqual({ Action: "execute-api:Invoke", Effect: "Allow", Resource: METHOD_ARN });
  });

  it("does name the player by the username claim when the token is an access token", async () => {
    // prepare
    const event = bearer(jwt(accessClaims({ username: "alice-access" })));
    // act
    const result = await handler(event);
    // assess
    expect(result.context).toEqual({ userId: "8f1c-alice-sub", username: "alice-access" });
  });

  it.each([
    ["there are no headers and no query", authorizerEvent()],
    ["the headers and query are null", authorizerEvent({ headers: null, queryStringParameters: null })],
    ["the query token is empty", authorizerEvent({ queryStringParameters: { token: "" } })],
    ["the header is not Bearer and there is no query", authorizerEvent({ headers: { Authorization: "Basic YWxpY2U6cHc=" } })],
    ["the Bearer header has no token", authorizerEvent({ headers: { Authorization: "Bearer " } })],
  ])("does throw Unauthorized when %s", async (_name, event) => {
    // prepare: the event above
    // act
    const outcome = handler(event);
    // assess
    await expect(outcome).rejects.toThrow(/^Unauthorized$/);
  });

  it.each([
    ["it has expired", () => jwt(idClaims({ iat: nowSeconds() - 7200, exp: nowSeconds() - 60 })), /Token expired/],
    ["another key signed it", () => jwt(idClaims(), otherKey.privateKey), /Invalid signature/],
    ["it is for another client id", () => jwt(idClaims({ aud: "someone-elses-client" })), /Client ID .*not allowed/],
    ["it is an access token for another client id", () => jwt(accessClaims({ client_id: "someone-elses-client" })), /Client ID .*not allowed/],
    [
      "it is from another pool",
      () => jwt(idClaims({ iss: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OtherPool" })),
      /issuer not configured/,
    ],
    ["its token_use is neither id nor access", () => jwt(idClaims({ token_use: "refresh" })), /Token use not allowed/],
    ["its signature was altered", () => `${jwt(idClaims()).slice(0, -4)}AAAA`, /Invalid signature/],
    [
      "its claims were altered after signing",
      () => {
        const [header, , signature] = jwt(idClaims()).split(".");
        return `${header}.${base64url(idClaims({ "cognito:username": "admin" }))}.${signature}`;
      },
      /Invalid signature/,
    ],
    ["it is not a JWT", () => "not-a-jwt", /does not consist of exactly 3 parts/],
  ])("does throw Unauthorized when the token is refused because %s", async (_name, token, reason) => {
    // prepare
    const text = token();
    const event = bearer(text);
    // act
    const outcome = handler(event);
    // assess: refused, and for the reason named, not because a JWKS could not be fetched
    await expect(outcome).rejects.toThrow(/^Unauthorized$/);
    await expect(verifier.verify(text)).rejects.toThrow(reason);
  });

  it.each([
    ["it has no exp", () => jwt(idClaims({ exp: undefined }))],
    ["its iat is a year in the future", () => jwt(idClaims({ iat: nowSeconds() + 365 * 24 * 3600, exp: nowSeconds() + 366 * 24 * 3600 }))],
    ["its cognito:username is a number", () => jwt(idClaims({ "cognito:username": 42 }))],
    ["its cognito:username is an object", () => jwt(idClaims({ "cognito:username": { name: "admin" } }))],
    ["its cognito:username is empty", () => jwt(idClaims({ "cognito:username": "" }))],
    ["it is an access token whose username is a number", () => jwt(accessClaims({ username: 7 }))],
    ["it names no username", () => jwt(idClaims({ "cognito:username": undefined }))],
    ["it has no sub", () => jwt(idClaims({ sub: undefined }))],
  ])("does throw Unauthorized when the pool signed the token but %s", async (_name, token) => {
    // prepare
    const text = token();
    const event = bearer(text);
    // act
    const outcome = handler(event);
    // assess: refused by the claim checks, since aws-jwt-verify alone accepts the token
    await expect(outcome).rejects.toThrow(/^Unauthorized$/);
    await expect(verifier.verify(text)).resolves.toBeDefined();
  });

  it("does allow the connection when the token's iat is a minute ahead of this clock", async () => {
    // prepare
    const event = bearer(jwt(idClaims({ iat: nowSeconds() + 60 })));
    // act
    const result = await handler(event);
    // assess
    expect(result.context).toEqual({ userId: "8f1c-alice-sub", username: "alice" });
  });

  it("does allow only well-formed claims and answer nothing but Unauthorized otherwise when signed claims hold any JSON values", async () => {
    // prepare: one fixed clock, so claims on either side of a bound are judged as the oracle judges them
    const now = nowSeconds();
    vi.useFakeTimers({ toFake: ["Date"], now: now * 1000 });
    await fc.assert(
      fc.asyncProperty(tokenClaimsArbitrary(now), async (claims) => {
        const signed = { ...idClaims(), ...claims };
        // act
        const outcome = await handler(bearer(jwt(signed))).then(
          (result) => result.context,
          (error: Error) => error.message,
        );
        // assess
        if (wellFormedClaims(signed, now)) {
          expect(outcome).toEqual({ userId: signed.sub, username: signed["cognito:username"] ?? signed.username });
        } else {
          expect(outcome).toBe("Unauthorized");
        }
      }),
      { numRuns: 200 },
    );
  });

  it("does refuse with Unauthorized and nothing else when given any token text", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ minLength: 1 }), fc.stringMatching(/^[A-Za-z0-9_-]{1,40}\.[A-Za-z0-9_-]{1,40}\.[A-Za-z0-9_-]{0,40}$/)), async (token) => {
        // prepare
        const event = authorizerEvent({ queryStringParameters: { token } });
        // act
        const outcome = await handler(event).then(
          (result) => result.policyDocument.Statement[0].Effect,
          (error: Error) => error.message,
        );
        // assess
        expect(outcome).toBe("Unauthorized");
      }),
      { numRuns: 200 },
    );
  });
});

describe("tokenFrom", () => {
  it("does prefer the Authorization header when both header and query carry a token", () => {
    // prepare
    const event = authorizerEvent({ headers: { Authorization: "Bearer from-header" }, queryStringParameters: { token: "from-query" } });
    // act
    const token = tokenFrom(event);
    // assess
    expect(token).toBe("from-header");
  });

  it("does fall back to the query when the header is not a Bearer token", () => {
    // prepare
    const event = authorizerEvent({ headers: { Authorization: "Basic abc" }, queryStringParameters: { token: "from-query" } });
    // act
    const token = tokenFrom(event);
    // assess
    expect(token).toBe("from-query");
  });

  it("does accept the scheme in any case and extra spaces when the header is Bearer", () => {
    // prepare
    const event = authorizerEvent({ headers: { authorization: "bearer    tok.en.x" } });
    // act
    const token = tokenFrom(event);
    // assess
    expect(token).toBe("tok.en.x");
  });

  it("does return undefined when there is no token anywhere", () => {
    // prepare
    const event = authorizerEvent({ headers: { Host: "example.com" }, queryStringParameters: { channel: "global" } });
    // act
    const token = tokenFrom(event);
    // assess
    expect(token).toBeUndefined();
  });
});
