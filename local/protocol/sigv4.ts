/**
 * Checks the AWS Signature Version 4 of a request a local front door received: parses its `Authorization` header,
 * finds the secret of its access key, signs the request again with `@smithy/signature-v4` (what the SDKs sign with)
 * over the headers the client says it signed, and compares the two signatures in constant time. Failures are the
 * errors AWS answers with, as `AwsServiceError`s.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import { AwsServiceError } from "./aws-json";

/** A request as the front door received it: the target exactly as on the wire, and the body's bytes. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface SigningSecret {
  secretAccessKey: string;
  /** The session token that must come with the key, for temporary credentials. */
  sessionToken?: string;
}

/** Who signed a request, and for which region and service. */
export interface VerifiedSignature {
  accessKeyId: string;
  region: string;
  service: string;
}

/** How far a request's date may be from the clock, as AWS allows. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;._-]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

const missingToken = () => new AwsServiceError("MissingAuthenticationTokenException", "Missing Authentication Token");
const unrecognized = () => new AwsServiceError("UnrecognizedClientException", "The security token included in the request is invalid.");
const badSignature = (message: string) => new AwsServiceError("InvalidSignatureException", message);

/**
 * The signer of `request` when its signature is the one `secretOf` gives for its key; throws
 * MissingAuthenticationTokenException, IncompleteSignatureException, UnrecognizedClientException or
 * InvalidSignatureException (all status 400, as the JSON-protocol services answer them) otherwise.
 */
export async function verifySignature(
  request: ReceivedRequest,
  secretOf: (accessKeyId: string) => SigningSecret | undefined,
  now: Date = new Date(),
): Promise<VerifiedSignature> {
  const authorization = request.headers.authorization;
  if (authorization === undefined) throw missingToken();
  const match = AUTHORIZATION.exec(authorization);
  if (!match) throw new AwsServiceError("IncompleteSignatureException", `Authorization header is not an AWS4-HMAC-SHA256 signature: ${JSON.stringify(authorization.slice(0, 120))}`);
  const [, accessKeyId, shortDate, region, service, signedHeaderList, signature] = match;

  const secret = secretOf(accessKeyId);
  if (!secret) throw unrecognized();
  const token = request.headers["x-amz-security-token"];
  if ((secret.sessionToken ?? undefined) !== (typeof token === "string" ? token : undefined)) throw unrecognized();

  const amzDate = request.headers["x-amz-date"];
  const date = typeof amzDate === "string" ? AMZ_DATE.exec(amzDate) : null;
  if (!date) throw new AwsServiceError("IncompleteSignatureException", `X-Amz-Date must be a time as YYYYMMDDTHHMMSSZ, got ${JSON.stringify(amzDate ?? null)}`);
  const signingDate = new Date(Date.UTC(+date[1], +date[2] - 1, +date[3], +date[4], +date[5], +date[6]));
  if (Number.isNaN(signingDate.getTime()) || Math.abs(now.getTime() - signingDate.getTime()) > MAX_CLOCK_SKEW_MS) {
    throw badSignature(`Signature expired: ${amzDate} is more than 15 minutes from the local time ${amzDateOf(now)}`);
  }
  if (!date[0].startsWith(shortDate)) throw badSignature(`Credential date ${shortDate} is not the date of X-Amz-Date ${amzDate}`);

  const signedHeaders = signedHeaderList.split(";");
  if (!signedHeaders.includes("host")) throw badSignature("SignedHeaders must include host");
  // No prototype: a client may sign a header named like an Object.prototype member.
  const headers: Record<string, string> = Object.create(null);
  for (const name of signedHeaders) {
    const value = Object.hasOwn(request.headers, name) ? request.headers[name] : undefined;
    if (value === undefined) throw badSignature(`Header ${name} is signed but not sent`);
    headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const claimedHash = headers["x-amz-content-sha256"];
  if (claimedHash !== undefined && claimedHash !== createHash("sha256").update(request.body).digest("hex")) {
    throw badSignature("X-Amz-Content-Sha256 is not the SHA-256 of the body");
  }

  const { path, query } = splitTarget(request.url);
  const signer = new SignatureV4({ service, region, credentials: { accessKeyId, secretAccessKey: secret.secretAccessKey }, sha256: Sha256, applyChecksum: false });
  const expected = await signer.sign(
    { method: request.method, protocol: "http:", hostname: headers.host, path, query, headers, body: request.body },
    { signingDate, signableHeaders: new Set(signedHeaders) },
  );
  const expectedSignature = /Signature=([0-9a-f]{64})$/.exec(String(expected.headers.authorization))?.[1] ?? "";
  if (!constantTimeEqual(expectedSignature, signature)) {
    throw badSignature(
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    );
  }
  return { accessKeyId, region, service };
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The path and query that the client signed, decoded from the wire's escapes (the signer escapes them again). */
function splitTarget(url: string): { path: string; query: Record<string, string | string[]> } {
  const mark = url.indexOf("?");
  const rawPath = mark === -1 ? url : url.slice(0, mark);
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    throw badSignature(`Request path ${JSON.stringify(rawPath.slice(0, 120))} has a malformed percent-escape`);
  }
  const query: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(mark === -1 ? "" : url.slice(mark + 1))) {
    const known = query[key];
    query[key] = known === undefined ? value : [...(Array.isArray(known) ? known : [known]), value];
  }
  return { path: path.startsWith("/") ? path : `/${path}`, query };
}

function amzDateOf(time: Date): string {
  return time.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}
