import { Logger } from "@aws-lambda-powertools/logger";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { postAnnouncingDepartures } from "../../../functions/shared/departures";
import type { ConnectionPost } from "../../../functions/shared/management-api";

const logger = new Logger({ serviceName: "departures-test", logLevel: "SILENT" });

/** Connections in one group; those in `gone` answer 410, the others record what they receive. */
function group(members: string[], gone: Set<string>) {
  const present = new Set(members);
  const received = new Map<string, unknown[]>();
  const post: ConnectionPost = async (connectionId, data) => {
    if (!present.has(connectionId) || gone.has(connectionId)) return "gone";
    received.set(connectionId, [...(received.get(connectionId) ?? []), JSON.parse(Buffer.from(data).toString("utf8"))]);
    return "delivered";
  };
  const removed: string[] = [];
  const handling = {
    post,
    logger,
    remove: async (connectionId: string) => {
      if (!present.delete(connectionId)) return undefined;
      removed.push(connectionId);
      return connectionId;
    },
    announce: async (departed: string) => ({ recipients: [...present], payload: { type: "left", who: departed } }),
  };
  return { handling, received, removed };
}

describe("postAnnouncingDepartures", () => {
  it("does remove a gone recipient once, and tell the others it left", async () => {
    // prepare
    const { handling, received, removed } = group(["a", "b", "c"], new Set(["b"]));
    // act
    const { delivered } = await postAnnouncingDepartures(handling, ["a", "b", "c"], { type: "hello" });
    // assess
    expect(delivered).toBe(2);
    expect(removed).toEqual(["b"]);
    expect(received.get("a")).toEqual([{ type: "hello" }, { type: "left", who: "b" }]);
    expect(received.get("c")).toEqual([{ type: "hello" }, { type: "left", who: "b" }]);
  });

  it("does end, removing every gone connection exactly once, however many are gone", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.constantFrom("a", "b", "c", "d", "e", "f"), { minLength: 1 }), fc.array(fc.constantFrom("a", "b", "c", "d", "e", "f")), async (members, goneList) => {
        // prepare
        const gone = new Set(goneList.filter((id) => members.includes(id)));
        const { handling, received, removed } = group(members, gone);
        // act
        const { delivered } = await postAnnouncingDepartures(handling, members, { type: "hello" });
        // assess
        expect(delivered).toBe(members.length - gone.size);
        expect([...removed].sort()).toEqual([...gone].sort());
        for (const member of members.filter((id) => !gone.has(id))) {
          const departures = (received.get(member) ?? []).filter((message) => (message as { type: string }).type === "left");
          expect(departures.map((message) => (message as { who: string }).who).sort()).toEqual([...gone].sort());
        }
      }),
    );
  });
});
