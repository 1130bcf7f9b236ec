declare module "s3rver" {
  interface S3rverOptions {
    port?: number;
    address?: string;
    silent?: boolean;
    directory: string;
    resetOnClose?: boolean;
    configureBuckets?: { name: string; configs: (string | Buffer)[] }[];
  }

  export default class S3rver {
    constructor(options: S3rverOptions);
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
  }
}

declare module "s3rver/lib/controllers/bucket.js" {
  /** The bucket operations the router calls, looked up on this object at each request. */
  const controller: { getBucket(ctx: unknown): Promise<void> };
  export default controller;
}

declare module "s3rver/lib/models/error.js" {
  /** The error s3rver answers as an S3 XML error with the code's status. */
  export default class S3Error extends Error {
    constructor(code: string, message: string, detail?: Record<string, unknown>);
  }
}

declare module "s3rver/lib/models/account.js" {
  /** s3rver's accounts; every signature is checked against the key pairs of the one built-in account. */
  export default class AWSAccount {
    static DUMMY_ACCOUNT: AWSAccount;
    createKeyPair(accessKeyId: string, secretAccessKey: string): void;
  }
}
