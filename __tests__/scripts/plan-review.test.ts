import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import yauzl from "yauzl";
import {
  archiveInputs,
  OFFLINE_PROVIDER_SETTINGS,
  replaceArchives,
  summarizePlan,
  withOfflineProvider,
  withStateOf,
  type TerraformJson,
} from "../../scripts/lib/plan-review";
import { writeZip, zipDirectory } from "../../scripts/lib/zip";

function stackWithArchive(): TerraformJson {
  return {
    terraform: {
      backend: { local: { path: "terraform.game-voice.tfstate" } },
      required_providers: { aws: { source: "aws", version: "5.100.0" }, archive: { source: "hashicorp/archive" } },
    },
    provider: { aws: [{ region: "us-east-1" }], archive: [{}] },
    data: {
      archive_file: {
        fn_bundle: { type: "zip", source_dir: "../../../dist/functions/fn", output_path: "assets/fn.zip" },
      },
      aws_iam_policy_document: { doc: { statement: [] } },
    },
    resource: {
      aws_lambda_function: {
        fn: {
          filename: "${data.archive_file.fn_bundle.output_path}",
          source_code_hash: "${data.archive_file.fn_bundle.output_base64sha256}",
        },
      },
    },
  };
}

describe("plan review", () => {
  it("lists each archive_file with its source folder and output path", () => {
    const inputs = archiveInputs(stackWithArchive());

    expect(inputs).toEqual([
      { address: "archive_file.fn_bundle", sourceDir: "../../../dist/functions/fn", outputPath: "assets/fn.zip" },
    ]);
  });

  it("refuses an archive_file that does not zip a folder", () => {
    const config = stackWithArchive();
    config.data!.archive_file!.fn_bundle = { type: "zip", source_file: "x.js", output_path: "x.zip" };

    expect(() => archiveInputs(config)).toThrow(/archive_file\.fn_bundle/);
  });

  it("replaces archive references with literals and drops the archive provider when zips are pre-built", () => {
    const built = new Map([["archive_file.fn_bundle", { outputPath: "assets/fn.zip", base64Sha256: "SHA=" }]]);

    const replaced = replaceArchives(stackWithArchive(), built);

    const fn = replaced.resource!.aws_lambda_function.fn;
    expect(fn.filename).toBe("assets/fn.zip");
    expect(fn.source_code_hash).toBe("SHA=");
    expect(replaced.data?.archive_file).toBeUndefined();
    expect(replaced.data?.aws_iam_policy_document).toBeDefined();
    expect(replaced.provider?.archive).toBeUndefined();
    expect(replaced.terraform?.required_providers?.archive).toBeUndefined();
    expect(JSON.stringify(replaced)).not.toContain("archive_file");
  });

  it("fails loudly when an archive reference is inside a larger expression", () => {
    const config = stackWithArchive();
    config.resource!.aws_lambda_function.fn.description = "${upper(data.archive_file.fn_bundle.output_path)}";
    const built = new Map([["archive_file.fn_bundle", { outputPath: "assets/fn.zip", base64Sha256: "SHA=" }]]);

    expect(() => replaceArchives(config, built)).toThrow(/cannot stand in/);
  });

  it("gives the aws provider test credentials and skip flags for an offline plan", () => {
    const offline = withOfflineProvider(stackWithArchive());

    expect(offline.provider!.aws[0]).toEqual({ region: "us-east-1", ...OFFLINE_PROVIDER_SETTINGS });
  });

  it("points a review copy's local backend at the stack's own state", () => {
    const config = withStateOf(stackWithArchive(), "cdktf.out/plan/game-voice", "cdktf.out/stacks/game-voice");

    expect(config.terraform!.backend!.local.path).toBe("../../stacks/game-voice/terraform.game-voice.tfstate");
  });

  it("counts planned actions by type and ignores data sources", () => {
    const summary = summarizePlan({
      resource_changes: [
        { type: "aws_lambda_function", change: { actions: ["create"] } },
        { type: "aws_lambda_function", change: { actions: ["create"] } },
        { type: "aws_s3_bucket", change: { actions: ["update"] } },
        { type: "aws_sqs_queue", change: { actions: ["delete", "create"] } },
        { type: "aws_iam_policy_document", mode: "data", change: { actions: ["read"] } },
      ],
    });

    expect(summary).toEqual({
      add: 3,
      change: 1,
      destroy: 1,
      addedByType: { aws_lambda_function: 2, aws_sqs_queue: 1 },
    });
  });
});

/** Every entry of a zip file with its content, read back by an independent zip reader. */
function readZip(path: string): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (openError, zip) => {
      if (openError) return reject(openError);
      const entries: Record<string, string> = {};
      zip.on("entry", (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on("data", (chunk: Buffer) => chunks.push(chunk));
          stream.on("end", () => {
            entries[entry.fileName] = Buffer.concat(chunks).toString("utf8");
            zip.readEntry();
          });
        });
      });
      zip.on("end", () => resolve(entries));
      zip.on("error", reject);
      zip.readEntry();
    });
  });
}

describe("deterministic zip", () => {
  function folderWithFiles(): string {
    const dir = mkdtempSync(join(tmpdir(), "zip-test-"));
    writeFileSync(join(dir, "index.mjs"), "export const handler = async () => 1;\n");
    mkdirSync(join(dir, "lib"));
    writeFileSync(join(dir, "lib", "data.json"), '{"a":1}');
    return dir;
  }

  it("zips the same folder to the same bytes twice", async () => {
    const dir = folderWithFiles();

    const [first, second] = [await zipDirectory(dir), await zipDirectory(dir)];

    expect(first.equals(second)).toBe(true);
  });

  it("writes a zip whose entries are the folder's files by relative path, and reports its base64 SHA-256", async () => {
    const dir = folderWithFiles();
    const out = join(mkdtempSync(join(tmpdir(), "zip-out-")), "nested", "fn.zip");

    const result = await writeZip(dir, out);

    expect(await readZip(out)).toEqual({
      "index.mjs": "export const handler = async () => 1;\n",
      "lib/data.json": '{"a":1}',
    });
    const expected = createHash("sha256").update(await zipDirectory(dir)).digest("base64");
    expect(result.base64Sha256).toBe(expected);
  });

  it("refuses to zip an empty folder", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zip-empty-"));

    await expect(zipDirectory(dir)).rejects.toThrow(/Nothing to zip/);
  });
});
