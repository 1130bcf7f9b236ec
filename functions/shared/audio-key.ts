import { createHash } from "node:crypto";

/** Reduces an author name to characters that are safe in an S3 key and cannot climb out of the author's folder. */
export function safeAuthor(author: string): string {
  const safe = author.replace(/[^A-Za-z0-9_.@-]/g, "_").replace(/^\.+/, "_").slice(0, 128);
  return safe === "" ? "_" : safe;
}

/**
 * `audio/{author}/{timestamp}-{chunk}.pcm`: the seed's layout with the author made safe, and a short hash of the
 * chunk id so that two chunks stored in the same millisecond (or by authors that reduce to the same name) never
 * overwrite each other.
 */
export function audioObjectKey(author: string, timestamp: string, chunkId: string): string {
  const chunk = createHash("sha256").update(chunkId).digest("hex").slice(0, 12);
  return `audio/${safeAuthor(author)}/${timestamp.replace(/[^0-9A-Za-z:.-]/g, "_")}-${chunk}.pcm`;
}
