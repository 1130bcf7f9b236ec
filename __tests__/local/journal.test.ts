import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { Journal } from "../../local/services/journal";

const dirs: string[] = [];
function journalPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "journal-"));
  dirs.push(dir);
  return join(dir, "work.jsonl");
}

const lines = (path: string) => readFileSync(path, "utf8").split("\n").filter((line) => line !== "");

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("Journal", () => {
  it("does give back the entries accepted and not done, in acceptance order, when reopened", () => {
    // prepare
    const path = join(journalPath(), "..", "a-folder-to-create", "work.jsonl");
    const journal = Journal.open<{ n: number }>(path);
    journal.accept("a", { n: 1 });
    journal.accept("b", { n: 2 });
    journal.accept("c", { n: 3 });
    journal.done("b");
    // act
    const reopened = Journal.open<{ n: number }>(path);
    // assess
    expect(reopened.pending()).toEqual([
      { id: "a", payload: { n: 1 } },
      { id: "c", payload: { n: 3 } },
    ]);
    expect(reopened.skippedLines).toBe(0);
  });

  it("does keep the newest payload in the first position when an id is accepted again", () => {
    // prepare
    const path = journalPath();
    const journal = Journal.open<{ attempts: number }>(path);
    journal.accept("a", { attempts: 0 });
    journal.accept("b", { attempts: 0 });
    journal.accept("a", { attempts: 1 });
    // act
    const reopened = Journal.open<{ attempts: number }>(path);
    // assess
    expect(reopened.pending()).toEqual([
      { id: "a", payload: { attempts: 1 } },
      { id: "b", payload: { attempts: 0 } },
    ]);
  });

  it("does append each record before accept and done return when the journal is in use", () => {
    // prepare
    const path = journalPath();
    const journal = Journal.open<string>(path);
    // act
    journal.accept("a", "payload");
    const afterAccept = lines(path);
    journal.done("a");
    const afterDone = lines(path);
    // assess
    expect(afterAccept.map((line) => JSON.parse(line))).toEqual([{ op: "accepted", id: "a", payload: "payload" }]);
    expect(afterDone.map((line) => JSON.parse(line))).toEqual([
      { op: "accepted", id: "a", payload: "payload" },
      { op: "done", id: "a" },
    ]);
  });

  it("does write nothing when an id that is not pending is marked done", () => {
    // prepare
    const path = journalPath();
    const journal = Journal.open<string>(path);
    journal.accept("a", "x");
    journal.done("a");
    // act
    journal.done("a");
    journal.done("never-accepted");
    // assess
    expect(lines(path)).toHaveLength(2);
  });

  it("does skip and count a torn last line and keep appending on a line of its own when a crash cut an append short", () => {
    // prepare
    const path = journalPath();
    const journal = Journal.open<string>(path);
    journal.accept("a", "kept");
    appendFileSync(path, JSON.stringify({ op: "accepted", id: "b", payload: "torn" }).slice(0, 20));
    // act
    const reopened = Journal.open<string>(path);
    reopened.accept("c", "after");
    const again = Journal.open<string>(path);
    // assess
    expect(reopened.skippedLines).toBe(1);
    expect(again.skippedLines).toBe(0);
    expect(again.pending().map((entry) => entry.id)).toEqual(["a", "c"]);
  });

  it.each([
    ["not JSON", "}{ garbage"],
    ["JSON of another shape", JSON.stringify({ op: "accepted", id: 42, payload: 1 })],
    ["an unknown op", JSON.stringify({ op: "maybe", id: "x" })],
    ["an accepted record without a payload", JSON.stringify({ op: "accepted", id: "x" })],
    ["a JSON array", "[1,2]"],
  ])("does skip and count a line that is %s and read the lines around it", (_name, garbage) => {
    // prepare
    const path = journalPath();
    writeFileSync(
      path,
      [JSON.stringify({ op: "accepted", id: "a", payload: 1 }), garbage, JSON.stringify({ op: "accepted", id: "b", payload: 2 }), ""].join("\n"),
    );
    // act
    const journal = Journal.open<number>(path);
    // assess
    expect(journal.skippedLines).toBe(1);
    expect(journal.pending()).toEqual([
      { id: "a", payload: 1 },
      { id: "b", payload: 2 },
    ]);
  });

  it("does count a line as unreadable when its payload fails the given check", () => {
    // prepare
    const path = journalPath();
    writeFileSync(path, `${JSON.stringify({ op: "accepted", id: "a", payload: { n: "one" } })}\n${JSON.stringify({ op: "accepted", id: "b", payload: { n: 2 } })}\n`);
    // act
    const journal = Journal.open<{ n: number }>(path, {
      parse: (payload) => (typeof (payload as { n?: unknown }).n === "number" ? (payload as { n: number }) : undefined),
    });
    // assess
    expect(journal.skippedLines).toBe(1);
    expect(journal.pending()).toEqual([{ id: "b", payload: { n: 2 } }]);
  });

  it("does rewrite the file to its pending entries when the done records reach the threshold", () => {
    // prepare
    const path = journalPath();
    const journal = Journal.open<number>(path, { compactAfterDone: 3 });
    for (const id of ["a", "b", "c", "d"]) journal.accept(id, 1);
    journal.done("a");
    journal.done("b");
    const beforeThreshold = lines(path).length;
    // act
    journal.done("c");
    // assess
    expect(beforeThreshold).toBe(6);
    expect(lines(path).map((line) => JSON.parse(line))).toEqual([{ op: "accepted", id: "d", payload: 1 }]);
    expect(existsSync(`${path}.compacting`)).toBe(false);
  });

  it("does wait for as many done records as there are pending entries before rewriting when many are pending", () => {
    // prepare
    const path = journalPath();
    const journal = Journal.open<number>(path, { compactAfterDone: 1 });
    for (let n = 0; n < 10; n++) journal.accept(`id-${n}`, n);
    // act
    journal.done("id-0");
    // assess: 9 pending, 1 done, so no rewrite yet
    expect(lines(path)).toHaveLength(11);
  });

  it("does rewrite the file to its pending entries when it is opened", () => {
    // prepare
    const path = journalPath();
    const journal = Journal.open<number>(path);
    journal.accept("a", 1);
    journal.accept("b", 2);
    journal.done("a");
    // act
    Journal.open<number>(path);
    // assess
    expect(lines(path).map((line) => JSON.parse(line))).toEqual([{ op: "accepted", id: "b", payload: 2 }]);
  });

  it("does leave the journal as it was when a rewrite was interrupted before its rename", () => {
    // prepare: a crash mid-rewrite leaves a partial temporary file beside the journal
    const path = journalPath();
    const journal = Journal.open<number>(path);
    journal.accept("a", 1);
    writeFileSync(`${path}.compacting`, '{"op":"acc');
    // act
    const reopened = Journal.open<number>(path);
    // assess
    expect(reopened.pending()).toEqual([{ id: "a", payload: 1 }]);
    expect(reopened.skippedLines).toBe(0);
  });

  it("refuses a compaction threshold that is not a positive integer, naming it", () => {
    // prepare
    const path = journalPath();
    // act
    const opening = () => Journal.open(path, { compactAfterDone: 0 });
    // assess
    expect(opening).toThrow("Journal compactAfterDone must be a positive integer, got 0");
  });

  it("does give back exactly the entries accepted and not done when accepts, dones, reopens and torn appends interleave", () => {
    const id = fc.constantFrom("a", "b", "c", "d", "e");
    const operation = fc.oneof(
      fc.record({ kind: fc.constant("accept" as const), id, payload: fc.jsonValue() }),
      fc.record({ kind: fc.constant("done" as const), id }),
      fc.record({ kind: fc.constant("reopen" as const) }),
      fc.record({ kind: fc.constant("torn" as const), id, payload: fc.jsonValue(), cut: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }) }),
      fc.record({ kind: fc.constant("garbage" as const), text: fc.string().filter((text) => !text.includes("\n")) }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 40 }), fc.integer({ min: 1, max: 4 }), (operations, compactAfterDone) => {
        // prepare
        const path = journalPath();
        const model = new Map<string, unknown>();
        const expected = () => [...model].map(([key, payload]) => ({ id: key, payload }));
        // JSON has no -0 or undefined members; compare what a reader of the file would get.
        const asRead = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
        let garbageSinceOpen = 0;
        let journal = Journal.open<unknown>(path, { compactAfterDone });
        // act
        for (const operation of operations) {
          if (operation.kind === "accept") {
            journal.accept(operation.id, operation.payload);
            model.set(operation.id, operation.payload);
          } else if (operation.kind === "done") {
            journal.done(operation.id);
            model.delete(operation.id);
            // Without a rewrite the file holds a line per pending entry and this done record besides; one line per
            // pending entry means the done triggered a compaction, which also dropped the garbage.
            if (lines(path).length === model.size) garbageSinceOpen = 0;
          } else if (operation.kind === "reopen") {
            journal = Journal.open<unknown>(path, { compactAfterDone });
            // assess: only the garbage is skipped, and the rewrite at open keeps one line per pending entry
            expect(journal.skippedLines).toBe(garbageSinceOpen);
            expect(lines(path)).toHaveLength(model.size);
            garbageSinceOpen = 0;
          } else if (operation.kind === "torn") {
            // A crash mid-append: a strict prefix of the record, never its newline; the accept never returned.
            const record = JSON.stringify({ op: "accepted", id: operation.id, payload: operation.payload });
            appendFileSync(path, record.slice(0, Math.floor(operation.cut * record.length)));
            journal = Journal.open<unknown>(path, { compactAfterDone });
            garbageSinceOpen = 0;
          } else {
            appendFileSync(path, `${operation.text}\n`);
            if (operation.text.trim() !== "") garbageSinceOpen++;
          }
          // assess
          expect(asRead(journal.pending())).toEqual(asRead(expected()));
        }
        const reopened = Journal.open<unknown>(path, { compactAfterDone });
        expect(asRead(reopened.pending())).toEqual(asRead(expected()));
      }),
      { numRuns: 150 },
    );
  });
});
