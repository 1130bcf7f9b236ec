/** Reduces an author name to characters that are safe in an S3 key and cannot climb out of the author's folder. */
export function safeAuthor(author: string): string {
  const safe = author.replace(/[^A-Za-z0-9_.@-]/g, "_").replace(/^\.+/, "_").slice(0, 128);
  return safe === "" ? "_" : safe;
}

/** `audio/{author}/{timestamp}.pcm`, the seed's layout, with the author made safe. */
export function audioObjectKey(author: string, timestamp: string): string {
  return `audio/${safeAuthor(author)}/${timestamp.replace(/[^0-9A-Za-z:.-]/g, "_")}.pcm`;
}
