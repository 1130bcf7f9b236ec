import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import S3rver from "s3rver";
import AWSAccount from "s3rver/lib/models/account.js";
import type { BucketModel } from "./service";
import { replaceContinuationTokens } from "./continuation";

export interface LocalS3 {
  url: string;
  /** Lets s3rver check signatures made with another key pair besides its built-in one. */
  addAccessKey(accessKeyId: string, secretAccessKey: string): void;
  close(): Promise<void>;
}

/** s3rver on a local port with the synthesized buckets; objects live under `dataDir`, or a fresh folder removed on close. */
export async function startS3(options: { port?: number; dataDir?: string; buckets: BucketModel[] }): Promise<LocalS3> {
  const directory = options.dataDir ?? mkdtempSync(`${tmpdir()}/local-s3-`);
  mkdirSync(directory, { recursive: true });
  replaceContinuationTokens();
  const server = new S3rver({
    port: options.port ?? 0,
    address: "127.0.0.1",
    silent: true,
    directory,
    configureBuckets: options.buckets.map((bucket) => ({ name: bucket.name, configs: [] })),
  });
  const { port } = (await server.run()) as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    // s3rver keeps one account, whose key pairs it checks every signature against.
    addAccessKey: (accessKeyId, secretAccessKey) => AWSAccount.DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey),
    close: async () => {
      await server.close();
      if (!options.dataDir) rmSync(directory, { recursive: true, force: true });
    },
  };
}
