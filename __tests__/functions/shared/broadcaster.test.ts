import { ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { broadcast } from "../../../functions/shared/broadcaster";
import { managementClient, sdkPost } from "../../../functions/shared/management-api";
import { postedMessages, setBaseEnvironment } from "../support";

setBaseEnvironment();
const management = mockClient(ApiGatewayManagementApiClient);
const post = sdkPost(managementClient("https://broadcast.example.com/prod"));

const gone = () => new GoneException({ message: "gone", $metadata: { httpStatusCode: 410 } });
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

type Outcome = "delivered" | "gone" | "failed";

/** Answers each post by the outcome planned for its connection, counting the posts in flight. */
function planPosts(plan: Record<string, Outcome>): { maxInFlight: () => number } {
  let inFlight = 0;
  let max = 0;
  management.on(PostToConnectionCommand).callsFake(async (input: { ConnectionId: string }) => {
    inFlight += 1;
    max = Math.max(max, inFlight);
    await tick();
    inFlight -= 1;
    const outcome = plan[input.ConnectionId];
    if (outcome === "gone") {
      throw gone();
    }
    if (outcome === "failed") {
      throw Object.assign(new Error("boom"), { name: "InternalServerError", $metadata: { httpStatusCode: 500 } });
    }
    return {};
  });
  return { maxInFlight: () => max };
}

beforeEach(() => {
  management.reset();
});

describe("broadcast", () => {
  it("does post the payload once to every recipient when all are connected", async () => {
    // prepare
    management.on(PostToConnectionCommand).resolves({});
    const onGone = vi.fn(async () => {});
    // act
    const result = await broadcast({ post, recipients: ["a", "b", "c"], payload: { action: "audio", n: 1 }, onGone });
    // assess
    expect(result).toEqual({ delivered: 3, gone: 0, failed: 0 });
    expect(postedMessages(management).map((post) => post.connectionId).sort()).toEqual(["a", "b", "c"]);
    expect(postedMessages(management).every((post) => JSON.stringify(post.message) === '{"action":"audio","n":1}')).toBe(true);
    expect(onGone).not.toHaveBeenCalled();
  });

  it("does post nothing when there are no recipients", async () => {
    // prepare
    management.on(PostToConnectionCommand).resolves({});
    // act
    const result = await broadcast({ post, recipients: [], payload: {}, onGone: async () => {} });
    // assess
    expect(result).toEqual({ delivered: 0, gone: 0, failed: 0 });
    expect(management.commandCalls(PostToConnectionCommand)).toHaveLength(0);
  });

  it("does hand exactly the gone connection to onGone when one recipient answers 410", async () => {
    // prepare
    planPosts({ a: "delivered", b: "gone", c: "delivered" });
    const onGone = vi.fn(async (_connectionId: string) => {});
    // act
    const result = await broadcast({ post, recipients: ["a", "b", "c"], payload: {}, onGone });
    // assess
    expect(result).toEqual({ delivered: 2, gone: 1, failed: 0 });
    expect(onGone.mock.calls).toEqual([["b"]]);
  });

  it("does count a failure, report it and go on when one post fails for another reason", async () => {
    // prepare
    planPosts({ a: "failed", b: "delivered" });
    const onGone = vi.fn(async () => {});
    const onError = vi.fn();
    // act
    const result = await broadcast({ post, recipients: ["a", "b"], payload: {}, onGone, onError });
    // assess
    expect(result).toEqual({ delivered: 1, gone: 0, failed: 1 });
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0][0]).toBe("a");
    expect(onGone).not.toHaveBeenCalled();
  });

  it("does not throw and reports the error when onGone fails", async () => {
    // prepare
    planPosts({ a: "gone", b: "delivered" });
    const failure = new Error("delete failed");
    const onError = vi.fn();
    // act
    const result = await broadcast({ post, recipients: ["a", "b"], payload: {}, onGone: async () => Promise.reject(failure), onError });
    // assess
    expect(result).toEqual({ delivered: 1, gone: 1, failed: 0 });
    expect(onError).toHaveBeenCalledWith("a", failure);
  });

  it("does not throw when a post fails and there is no onError", async () => {
    // prepare
    planPosts({ a: "failed" });
    // act
    const result = await broadcast({ post, recipients: ["a"], payload: {}, onGone: async () => {} });
    // assess
    expect(result).toEqual({ delivered: 0, gone: 0, failed: 1 });
  });

  it("does keep at most `concurrency` posts in flight when there are more recipients", async () => {
    // prepare
    const recipients = Array.from({ length: 20 }, (_, index) => `c${index}`);
    const posts = planPosts(Object.fromEntries(recipients.map((id) => [id, "delivered" as const])));
    // act
    const result = await broadcast({ post, recipients, payload: {}, concurrency: 3, onGone: async () => {} });
    // assess
    expect(result.delivered).toBe(20);
    expect(posts.maxInFlight()).toBe(3);
  });

  it("does post in parallel up to 32 by default when there are many recipients", async () => {
    // prepare
    const recipients = Array.from({ length: 50 }, (_, index) => `c${index}`);
    const posts = planPosts(Object.fromEntries(recipients.map((id) => [id, "delivered" as const])));
    // act
    await broadcast({ post, recipients, payload: {}, onGone: async () => {} });
    // assess
    expect(posts.maxInFlight()).toBe(32);
  });

  it("does account for every recipient once within the concurrency when given any outcomes", async () => {
    const plans = fc.dictionary(
      fc.string({ minLength: 1, maxLength: 8 }),
      fc.constantFrom<Outcome>("delivered", "gone", "failed"),
      { maxKeys: 40 },
    );
    await fc.assert(
      fc.asyncProperty(plans, fc.integer({ min: 1, max: 8 }), async (plan, concurrency) => {
        // prepare
        management.reset();
        const posts = planPosts(plan);
        const recipients = Object.keys(plan);
        const goneIds: string[] = [];
        // act
        const result = await broadcast({
          post,
          recipients,
          payload: { x: 1 },
          concurrency,
          onGone: async (connectionId) => {
            goneIds.push(connectionId);
          },
        });
        // assess
        const expected = (outcome: Outcome) => recipients.filter((id) => plan[id] === outcome);
        expect(result).toEqual({
          delivered: expected("delivered").length,
          gone: expected("gone").length,
          failed: expected("failed").length,
        });
        expect(goneIds.sort()).toEqual(expected("gone").sort());
        expect(postedMessages(management).map((post) => post.connectionId).sort()).toEqual([...recipients].sort());
        expect(posts.maxInFlight()).toBeLessThanOrEqual(concurrency);
      }),
      { numRuns: 50 },
    );
  });
});
