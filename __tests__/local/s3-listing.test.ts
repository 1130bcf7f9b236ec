import { ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException, paginateListObjectsV2 } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_CREDENTIALS } from "../../local/services/credentials";
import { startS3, type LocalS3 } from "../../local/s3/s3rver";

const BUCKET = "listing";
const OTHER_BUCKET = "listing-other";
// More than two pages of S3's 1,000-key limit, with a short last page.
const KEYS = Array.from({ length: 1205 }, (_, index) => `object-${String(index).padStart(4, "0")}`);

let s3: LocalS3;
let client: S3Client;

/** Runs `task` over `items` with at most `limit` in flight. */
async function eachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

/** The error a rejected promise carries, so a test can assert on it. */
async function failureOf(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (error) {
    return error as S3ServiceException;
  }
  throw new Error("Expected the request to fail, and it succeeded");
}

beforeAll(async () => {
  s3 = await startS3({
    buckets: [
      { address: "aws_s3_bucket.listing", logicalName: "listing", name: BUCKET },
      { address: "aws_s3_bucket.other", logicalName: "other", name: OTHER_BUCKET },
    ],
  });
  client = new S3Client({ endpoint: s3.url, region: "us-east-1", credentials: LOCAL_CREDENTIALS, forcePathStyle: true, requestChecksumCalculation: "WHEN_REQUIRED" });
  // Shuffled so the listing's order cannot come from the order of writes.
  const shuffled = [...KEYS].sort(() => Math.random() - 0.5);
  await eachLimited(shuffled, 16, (key) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key })));
  await client.send(new PutObjectCommand({ Bucket: OTHER_BUCKET, Key: "object-0000", Body: "other" }));
});

afterAll(async () => {
  client?.destroy();
  await s3?.close();
});

describe("local S3 ListObjectsV2", () => {
  it("lists every key exactly once and in order when the bucket holds more keys than one page", async () => {
    // prepare
    const listed: string[] = [];
    let pages = 0;
    // act
    for await (const page of paginateListObjectsV2({ client }, { Bucket: BUCKET })) {
      pages += 1;
      listed.push(...(page.Contents ?? []).map((object) => object.Key!));
    }
    // assess
    expect(pages).toBe(2);
    expect(listed).toEqual(KEYS);
  });

  it("pages from StartAfter in steps of MaxKeys when both are given", async () => {
    // prepare
    const listed: string[][] = [];
    // act
    const first = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, StartAfter: KEYS[99], MaxKeys: 7 }));
    listed.push(first.Contents!.map((object) => object.Key!));
    const second = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 7, ContinuationToken: first.NextContinuationToken }));
    listed.push(second.Contents!.map((object) => object.Key!));
    // assess
    expect(listed).toEqual([KEYS.slice(100, 107), KEYS.slice(107, 114)]);
    expect(first).toMatchObject({ IsTruncated: true, KeyCount: 7, MaxKeys: 7, StartAfter: KEYS[99] });
    expect(second).toMatchObject({ IsTruncated: true, KeyCount: 7, ContinuationToken: first.NextContinuationToken });
    expect(second.StartAfter).toBeUndefined();
  });

  it("ends the listing without a token when the last page is reached", async () => {
    // prepare
    const first = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, StartAfter: KEYS[1199], MaxKeys: 3 }));
    // act
    const last = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 3, ContinuationToken: first.NextContinuationToken }));
    // assess
    expect(last.Contents!.map((object) => object.Key)).toEqual(KEYS.slice(1203));
    expect(last.IsTruncated).toBe(false);
    expect(last.NextContinuationToken).toBeUndefined();
  });

  it.each([
    ["is not a token", () => "not-a-continuation-token"],
    ["is empty of content", () => "AAAA"],
    ["has one character changed", (token: string) => `${token.slice(0, 20)}${token[20] === "A" ? "B" : "A"}${token.slice(21)}`],
    ["is cut short", (token: string) => token.slice(0, -4)],
  ])("answers InvalidArgument with status 400 when the continuation token %s", async (_, tamper) => {
    // prepare
    const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 2 }));
    // act
    const error = await failureOf(client.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: tamper(page.NextContinuationToken!) })));
    // assess
    expect(error).toMatchObject({ name: "InvalidArgument", message: "The continuation token provided is incorrect", $metadata: { httpStatusCode: 400 } });
  });

  it("answers InvalidArgument with status 400 when the continuation token is another bucket's", async () => {
    // prepare
    const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 2 }));
    // act
    const error = await failureOf(client.send(new ListObjectsV2Command({ Bucket: OTHER_BUCKET, ContinuationToken: page.NextContinuationToken })));
    // assess
    expect(error).toMatchObject({ name: "InvalidArgument", $metadata: { httpStatusCode: 400 } });
  });
});
