import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { ZipFile } from "yazl";

// A fixed time makes the same folder always zip to the same bytes, and so to the same hash.
const FIXED_MTIME = new Date("2020-01-01T00:00:00Z");

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** Zips a folder's files (paths relative to it) deterministically; returns the zip's bytes. */
export async function zipDirectory(sourceDir: string): Promise<Buffer> {
  const files = filesUnder(sourceDir);
  if (files.length === 0) {
    throw new Error(`Nothing to zip in ${sourceDir}`);
  }
  const zip = new ZipFile();
  for (const file of files) {
    zip.addBuffer(readFileSync(file), relative(sourceDir, file).split(sep).join("/"), {
      mtime: FIXED_MTIME,
      mode: 0o100644,
      compress: true,
    });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Writes the zip of a folder and returns its base64 SHA-256, as `archive_file.output_base64sha256` reports it. */
export async function writeZip(sourceDir: string, outputPath: string): Promise<{ base64Sha256: string; size: number }> {
  const bytes = await zipDirectory(sourceDir);
  mkdirSync(dirname(outputPath), { recursive: true });
  writeFileSync(outputPath, bytes);
  return { base64Sha256: createHash("sha256").update(bytes).digest("base64"), size: bytes.length };
}
