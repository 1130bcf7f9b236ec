/**
 * Checks of a verified token's claims that aws-jwt-verify leaves out: it checks `exp` and `iat` only when present
 * (and `iat` not at all against the clock), and knows nothing of the username. Every authorizer runs these after
 * the signature, issuer, audience and token use are verified.
 */

// 5 minutes, the clock skew AWS accepts on a signed request: an iat further ahead is no drift of NTP-synced clocks.
export const ISSUED_AT_SKEW_SECONDS = 300;

export type TokenClaimsReason =
  | "EXPIRY_MISSING"
  | "EXPIRY_NOT_A_NUMBER"
  | "EXPIRED"
  | "ISSUED_AT_MISSING"
  | "ISSUED_AT_NOT_A_NUMBER"
  | "ISSUED_IN_FUTURE"
  | "SUBJECT_INVALID"
  | "USERNAME_INVALID";

/** A verified token whose claims do not name a player for now; `reason` is stable, for logs and metrics. */
export class InvalidTokenClaimsError extends Error {
  constructor(
    readonly reason: TokenClaimsReason,
    message: string,
  ) {
    super(message);
    this.name = "InvalidTokenClaimsError";
  }
}

/** Who a token names, once its claims passed {@link checkTokenClaims}. */
export interface PlayerClaims {
  sub: string;
  username: string;
}

/** A claim value as a message shows it: JSON, cut short, so a huge or odd value cannot flood a log line. */
function shown(value: unknown): string {
  let text: string | undefined;
  try {
    text = typeof value === "number" || typeof value === "bigint" ? String(value) : JSON.stringify(value);
  } catch {
    text = undefined;
  }
  text ??= typeof value;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function numericDate(claims: Readonly<Record<string, unknown>>, name: "exp" | "iat"): number {
  const value = claims[name];
  const [missing, notANumber]: TokenClaimsReason[] = name === "exp" ? ["EXPIRY_MISSING", "EXPIRY_NOT_A_NUMBER"] : ["ISSUED_AT_MISSING", "ISSUED_AT_NOT_A_NUMBER"];
  if (value === undefined) throw new InvalidTokenClaimsError(missing, `Token has no ${name} claim`);
  if (typeof value !== "number" || !Number.isFinite(value)) throw new InvalidTokenClaimsError(notANumber, `Token ${name} claim is not a number: ${shown(value)}`);
  return value;
}

function nonEmptyString(claims: Readonly<Record<string, unknown>>, name: string, reason: TokenClaimsReason): string {
  const value = claims[name];
  if (typeof value !== "string" || value === "") throw new InvalidTokenClaimsError(reason, `Token ${name} claim is not a non-empty string: ${shown(value)}`);
  return value;
}

/**
 * The player a verified token names, or {@link InvalidTokenClaimsError} when it has no expiry, has expired, was
 * issued more than {@link ISSUED_AT_SKEW_SECONDS} ahead of `nowSeconds`, or its `sub` or username is not a
 * non-empty string. The username is `cognito:username` (ID tokens) or else `username` (access tokens).
 */
export function checkTokenClaims(claims: Readonly<Record<string, unknown>>, nowSeconds: number): PlayerClaims {
  const exp = numericDate(claims, "exp");
  if (exp < nowSeconds) throw new InvalidTokenClaimsError("EXPIRED", `Token expired at ${exp}, it is now ${nowSeconds}`);
  const iat = numericDate(claims, "iat");
  if (iat > nowSeconds + ISSUED_AT_SKEW_SECONDS) {
    throw new InvalidTokenClaimsError("ISSUED_IN_FUTURE", `Token iat ${iat} is more than ${ISSUED_AT_SKEW_SECONDS} seconds after now (${nowSeconds})`);
  }
  const sub = nonEmptyString(claims, "sub", "SUBJECT_INVALID");
  const username = nonEmptyString(claims, claims["cognito:username"] === undefined ? "username" : "cognito:username", "USERNAME_INVALID");
  return { sub, username };
}
