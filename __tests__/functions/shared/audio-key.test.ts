import { posix } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { audioObjectKey, safeAuthor } from "../../../functions/shared/audio-key";

const TIMESTAMP = "2025-01-02T03:04:05.678Z";

describe("safeAuthor", () => {
  it.each([
    ["alice", "alice"],
    ["a.b-c_d@example.com", "a.b-c_d@example.com"],
    ["../../etc/passwd", "__.._etc_passwd"],
    ["..", "_"],
    [".", "_"],
    [".hidden", "_hidden"],
    ["a/b", "a_b"],
    ["a\\b", "a_b"],
    ["", "_"],
    ["名前", "__"],
    ["a b\u0000c", "a_b_c"],
  ])("does map the author %j to %j when it is unsafe or safe", (author, expected) => {
    // prepare: the author above
    // act
    const safe = safeAuthor(author);
    // assess
    expect(safe).toBe(expected);
  });

  it("does cap the length at 128 characters when the author is longer", () => {
    // prepare
    const author = "x".repeat(500);
    // act
    const safe = safeAuthor(author);
    // assess
    expect(safe).toBe("x".repeat(128));
  });

  it("does return one safe path segment when given any author", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.constantFrom("..", ".", "../", "/..", "..\\..")), (author) => {
        // prepare: the author above
        // act
        const safe = safeAuthor(author);
        // assess
        expect(safe).toMatch(/^[A-Za-z0-9_@-][A-Za-z0-9_.@-]{0,127}$/);
        expect(safe === "." || safe === "..").toBe(false);
      }),
    );
  });
});

describe("audioObjectKey", () => {
  it("does build audio/{author}/{timestamp}-{chunk}.pcm when the author is plain", () => {
    // prepare: the author, timestamp and id of a chunk
    // act
    const key = audioObjectKey("alice", TIMESTAMP, "conn-1:req-1");
    // assess
    expect(key).toMatch(new RegExp(`^audio/alice/${TIMESTAMP.replace(/\./g, "\\.")}-[0-9a-f]{12}\\.pcm$`));
  });

  it("does give two chunks of the same author and millisecond different keys when their ids differ", () => {
    // prepare: two chunks from two connections of one player, stored in the same millisecond
    // act
    const first = audioObjectKey("alice", TIMESTAMP, "conn-1:req-1");
    const second = audioObjectKey("alice", TIMESTAMP, "conn-2:req-9");
    // assess
    expect(first).not.toBe(second);
    expect(audioObjectKey("alice", TIMESTAMP, "conn-1:req-1")).toBe(first);
  });

  it("does give authors that reduce to the same safe name different keys when their chunks differ", () => {
    // prepare: "a/b" and "a_b" share a folder once made safe
    // act
    const first = audioObjectKey("a/b", TIMESTAMP, "conn-1:req-1");
    const second = audioObjectKey("a_b", TIMESTAMP, "conn-2:req-1");
    // assess
    expect(first.split("/")[1]).toBe(second.split("/")[1]);
    expect(first).not.toBe(second);
  });

  it("does keep the key inside the author's folder when the author climbs with ../", () => {
    // prepare
    const author = "../../other/../../x";
    // act
    const key = audioObjectKey(author, TIMESTAMP, "chunk");
    // assess
    expect(key.split("/")).toHaveLength(3);
    expect(posix.normalize(key)).toBe(key);
    expect(key.startsWith(`audio/${safeAuthor(author)}/`)).toBe(true);
  });

  it("does replace slashes in the timestamp when the timestamp is not ISO", () => {
    // prepare
    const timestamp = "../../2025/01";
    // act
    const key = audioObjectKey("alice", timestamp, "chunk");
    // assess
    expect(key).toMatch(/^audio\/alice\/\.\._\.\._2025_01-[0-9a-f]{12}\.pcm$/);
  });

  it("does stay a three-segment key under audio/ that normalisation leaves alone when given any author and timestamp", () => {
    fc.assert(
      fc.property(fc.string(), fc.oneof(fc.date({ noInvalidDate: true }).map((date) => date.toISOString()), fc.string()), (author, timestamp) => {
        // prepare: the author and timestamp above
        // act
        const key = audioObjectKey(author, timestamp, "chunk");
        // assess
        const segments = key.split("/");
        expect(segments).toHaveLength(3);
        expect(segments[0]).toBe("audio");
        expect(segments[1]).toBe(safeAuthor(author));
        expect(segments[2].endsWith(".pcm")).toBe(true);
        expect(posix.normalize(key)).toBe(key);
      }),
    );
  });
});
