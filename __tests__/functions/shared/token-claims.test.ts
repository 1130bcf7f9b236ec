import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkTokenClaims, InvalidTokenClaimsError, ISSUED_AT_SKEW_SECONDS } from "../../../functions/shared/token-claims";
import { tokenClaimsArbitrary, wellFormedClaims } from "../support";

const NOW = 1_750_000_000;
const YEAR_SECONDS = 365 * 24 * 3600;

/** The claims this module reads of a Cognito ID token for alice, issued a minute ago. */
function idClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { sub: "8f1c-alice-sub", "cognito:username": "alice", iat: NOW - 60, exp: NOW + 3600, ...overrides };
}

/** The refusal `checkTokenClaims` threw, so a test can assert on it. */
function refusalOf(claims: Record<string, unknown>): InvalidTokenClaimsError {
  try {
    checkTokenClaims(claims, NOW);
  } catch (error) {
    if (error instanceof InvalidTokenClaimsError) return error;
    throw error;
  }
  throw new Error(`Expected the claims to be refused: ${JSON.stringify(claims)}`);
}

describe("checkTokenClaims", () => {
  it("returns the sub and cognito:username when an ID token's claims are well formed", () => {
    // prepare
    const claims = idClaims();
    // act
    const player = checkTokenClaims(claims, NOW);
    // assess
    expect(player).toEqual({ sub: "8f1c-alice-sub", username: "alice" });
  });

  it("returns the username claim when an access token has no cognito:username", () => {
    // prepare
    const claims = idClaims({ "cognito:username": undefined, username: "alice-access" });
    // act
    const player = checkTokenClaims(claims, NOW);
    // assess
    expect(player.username).toBe("alice-access");
  });

  it("accepts an iat up to the allowed skew ahead when the issuer's clock runs fast", () => {
    // prepare
    const claims = idClaims({ iat: NOW + ISSUED_AT_SKEW_SECONDS });
    // act
    const player = checkTokenClaims(claims, NOW);
    // assess
    expect(player.sub).toBe("8f1c-alice-sub");
  });

  it("accepts a token in its last second when exp is now", () => {
    // prepare
    const claims = idClaims({ exp: NOW });
    // act
    const player = checkTokenClaims(claims, NOW);
    // assess
    expect(player.username).toBe("alice");
  });

  it.each([
    ["it has no exp", { exp: undefined }, "EXPIRY_MISSING", "Token has no exp claim"],
    ["its exp is a string", { exp: "tomorrow" }, "EXPIRY_NOT_A_NUMBER", 'Token exp claim is not a number: "tomorrow"'],
    ["its exp is not finite", { exp: Number.POSITIVE_INFINITY }, "EXPIRY_NOT_A_NUMBER", "Token exp claim is not a number: Infinity"],
    ["it expired a second ago", { exp: NOW - 1 }, "EXPIRED", `Token expired at ${NOW - 1}, it is now ${NOW}`],
    ["it has no iat", { iat: undefined }, "ISSUED_AT_MISSING", "Token has no iat claim"],
    ["its iat is an array", { iat: [NOW] }, "ISSUED_AT_NOT_A_NUMBER", `Token iat claim is not a number: [${NOW}]`],
    [
      "its iat is one second past the skew",
      { iat: NOW + ISSUED_AT_SKEW_SECONDS + 1 },
      "ISSUED_IN_FUTURE",
      `Token iat ${NOW + ISSUED_AT_SKEW_SECONDS + 1} is more than ${ISSUED_AT_SKEW_SECONDS} seconds after now (${NOW})`,
    ],
    ["its iat is a year ahead", { iat: NOW + YEAR_SECONDS }, "ISSUED_IN_FUTURE", `Token iat ${NOW + YEAR_SECONDS} is more`],
    ["its sub is missing", { sub: undefined }, "SUBJECT_INVALID", "Token sub claim is not a non-empty string: undefined"],
    ["its sub is a number", { sub: 42 }, "SUBJECT_INVALID", "Token sub claim is not a non-empty string: 42"],
    ["its cognito:username is a number", { "cognito:username": 42 }, "USERNAME_INVALID", "Token cognito:username claim is not a non-empty string: 42"],
    ["its cognito:username is an object", { "cognito:username": { name: "admin" } }, "USERNAME_INVALID", 'not a non-empty string: {"name":"admin"}'],
    ["its cognito:username is empty", { "cognito:username": "" }, "USERNAME_INVALID", 'Token cognito:username claim is not a non-empty string: ""'],
    ["its cognito:username is null beside a good username", { "cognito:username": null, username: "alice" }, "USERNAME_INVALID", "cognito:username"],
    ["its username is a number", { "cognito:username": undefined, username: 7 }, "USERNAME_INVALID", "Token username claim is not a non-empty string: 7"],
    ["it names no username at all", { "cognito:username": undefined }, "USERNAME_INVALID", "Token username claim is not a non-empty string: undefined"],
  ])("refuses with a stable reason and the value when %s", (_name, overrides, reason, message) => {
    // prepare
    const claims = idClaims(overrides);
    // act
    const refusal = refusalOf(claims);
    // assess
    expect(refusal).toMatchObject({ name: "InvalidTokenClaimsError", reason });
    expect(refusal.message).toContain(message);
  });

  it("cuts a huge claim value short when it shows it in the message", () => {
    // prepare
    const claims = idClaims({ "cognito:username": ["x".repeat(10_000)] });
    // act
    const refusal = refusalOf(claims);
    // assess
    expect(refusal.message.length).toBeLessThan(200);
    expect(refusal.message).toMatch(/\.\.\.$/);
  });

  it("passes only well-formed claims and throws nothing but the refusal when claims hold any JSON values", () => {
    fc.assert(
      fc.property(tokenClaimsArbitrary(NOW), (claims) => {
        // prepare: the generated claims
        // act
        let outcome: unknown;
        try {
          outcome = checkTokenClaims(claims, NOW);
        } catch (error) {
          outcome = error;
        }
        // assess
        if (wellFormedClaims(claims, NOW)) {
          expect(outcome).toEqual({ sub: claims.sub, username: claims["cognito:username"] ?? claims.username });
        } else {
          expect(outcome).toBeInstanceOf(InvalidTokenClaimsError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("throws nothing but the refusal when a claim holds any JavaScript value", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom("exp", "iat", "sub", "cognito:username", "username"), fc.anything({ withBigInt: true })), (claims) => {
        // prepare: the generated claims
        // act
        const check = () => checkTokenClaims(claims, NOW);
        // assess
        try {
          check();
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidTokenClaimsError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
