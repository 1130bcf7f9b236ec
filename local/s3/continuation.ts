import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import bucketController from "s3rver/lib/controllers/bucket.js";
import S3Error from "s3rver/lib/models/error.js";

// A fixed key, so a listing can go on across restarts on one --data folder; it is not a secret, it makes tampering detectable.
const TOKEN_KEY = createHash("sha256").update("local-s3 ListObjectsV2 continuation token").digest();
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** An opaque, authenticated token that lets a ListObjectsV2 listing of `bucket` resume after `lastKey`. */
export function encodeContinuationToken(bucket: string, lastKey: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", TOKEN_KEY, iv);
  const sealed = Buffer.concat([cipher.update(JSON.stringify([bucket, lastKey]), "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64url");
}

/** The key a listing of `bucket` resumes after, or undefined when the token is not one this server gave for that bucket. */
export function decodeContinuationToken(token: string, bucket: string): string | undefined {
  const raw = Buffer.from(token, "base64url");
  if (raw.length <= IV_BYTES + TAG_BYTES) return undefined;
  let parsed: unknown;
  try {
    const decipher = createDecipheriv("aes-256-gcm", TOKEN_KEY, raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    parsed = JSON.parse(Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8"));
  } catch {
    return undefined;
  }
  return Array.isArray(parsed) && parsed.length === 2 && parsed[0] === bucket && typeof parsed[1] === "string" ? parsed[1] : undefined;
}

type Query = Record<string, string | string[] | undefined>;
interface ListResult {
  objects: unknown[];
  isTruncated: boolean;
}
interface Store {
  listObjects(bucket: string, options: unknown): Promise<ListResult>;
}
interface ListingContext {
  query: Query;
  params: { bucket: string };
  store: Store;
  body: unknown;
}
interface ListBucketResult {
  ContinuationToken?: string;
  NextContinuationToken?: string;
  StartAfter?: string;
  IsTruncated: boolean;
  Contents: { Key: string }[];
}

let replaced = false;

/**
 * Makes s3rver's ListObjectsV2 page with {@link encodeContinuationToken}. Its own token helpers are private to its
 * bucket controller and use DES, which OpenSSL 3 (Node 17 and later) refuses, so every truncated listing answered 500.
 * The router looks `getBucket` up on the controller's exports at each request, so wrapping it there takes effect; the
 * wrapper resolves the token to a start-after key before s3rver sees it, and hides truncation from s3rver (which would
 * otherwise call its DES helper) to write the next token itself. The runtime bundle keeps packages external
 * (bundleRuntime), so there too this import and s3rver's router share one instance of the controller module.
 */
export function replaceContinuationTokens(): void {
  if (replaced) return;
  replaced = true;
  const getBucket = bucketController.getBucket;
  bucketController.getBucket = async function getBucketWithWorkingTokens(ctx: ListingContext): Promise<void> {
    if (ctx.query["list-type"] !== "2") return getBucket(ctx);
    const { query, store, params } = ctx;
    const token = query["continuation-token"];
    // s3rver reads an empty token as none and starts from start-after; so does this.
    const resuming = typeof token === "string" && token !== "";
    if (resuming) {
      const startAfter = decodeContinuationToken(token, params.bucket);
      if (startAfter === undefined) {
        throw new S3Error("InvalidArgument", "The continuation token provided is incorrect", { ArgumentName: "continuation-token" });
      }
      const { "continuation-token": _, ...rest } = query;
      ctx.query = { ...rest, "start-after": startAfter };
    }
    let truncated = false;
    ctx.store = Object.assign(Object.create(store) as Store, {
      listObjects: async (bucket: string, options: unknown) => {
        const result = await store.listObjects(bucket, options);
        truncated = result.isTruncated;
        return { ...result, isTruncated: false };
      },
    });
    try {
      await getBucket(ctx);
    } finally {
      ctx.store = store;
      ctx.query = query;
    }
    const result = (ctx.body as { ListBucketResult: ListBucketResult }).ListBucketResult;
    result.IsTruncated = truncated;
    if (truncated) result.NextContinuationToken = encodeContinuationToken(params.bucket, result.Contents[result.Contents.length - 1]!.Key);
    if (resuming) {
      result.ContinuationToken = token;
      result.StartAfter = undefined;
    }
  };
}
