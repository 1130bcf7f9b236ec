import { join } from "node:path";
import { logicalName } from "../model/resource-config";
import { qualifiedAddress, stableId } from "../model/identities";
import { defineService } from "../services/service";
import { startS3 } from "./s3rver";

export interface BucketModel {
  address: string;
  logicalName: string;
  name: string;
}

export interface S3Part {
  buckets: BucketModel[];
}

/** S3: s3rver with every stack's buckets, checking signatures against every function's own key. */
export const s3Service = defineService({
  name: "S3",
  resourceTypes: ["aws_s3_bucket"],
  computedAttributes: {
    aws_s3_bucket: (address, config, s) => {
      const explicit = config("bucket");
      const name = typeof explicit === "string" ? explicit : `${String(config("bucket_prefix") ?? "bucket-")}${stableId(qualifiedAddress(s, address), 12)}`;
      return { id: name, bucket: name, arn: `arn:aws:s3:::${name}` };
    },
  },
  model: ({ resolver }): S3Part => ({
    buckets: resolver.resourcesOf("aws_s3_bucket").map(([name, raw]): BucketModel => {
      const address = `aws_s3_bucket.${name}`;
      return { address, logicalName: logicalName(raw, name), name: String(resolver.attribute(address, "bucket")) };
    }),
  }),
  start: async (context) => {
    const buckets = context.models.flatMap((model) => model.buckets);
    const s3 = await startS3({ port: context.takePort(), buckets, dataDir: context.dataDir && join(context.dataDir, "s3") });
    context.log(`[runtime] S3 (s3rver) on ${s3.url}`);
    const stopListening = context.callers.onIssue((credentials) => s3.addAccessKey(credentials.accessKeyId, credentials.secretAccessKey));
    return {
      endpoint: { name: "s3", url: s3.url },
      functionEnvironment: {
        AWS_ENDPOINT_URL_S3: s3.url,
        // s3rver does not understand the aws-chunked bodies with checksums that newer S3 clients send by default.
        AWS_REQUEST_CHECKSUM_CALCULATION: "WHEN_REQUIRED",
        AWS_RESPONSE_CHECKSUM_VALIDATION: "WHEN_REQUIRED",
      },
      describe: (model) => ({ buckets: Object.fromEntries(model.buckets.map((bucket) => [bucket.logicalName, bucket.name])) }),
      summary: () => `${buckets.length} bucket(s)`,
      close: async () => {
        stopListening();
        await s3.close();
      },
    };
  },
});
