import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { InvalidJsonError } from "../../../functions/shared/errors";
import { observability } from "../../../functions/shared/observability";
import { answerOrReplyWithError, refuseConnection, replyWithError, sendToConnection } from "../../../functions/shared/reply";
import { startManagementStub, type ManagementStub } from "../management-stub";
import { DOMAIN_NAME, setBaseEnvironment, STAGE, webSocketEvent } from "../support";

setBaseEnvironment();
const { logger } = observability("reply-test");
const address = { domainName: DOMAIN_NAME, stage: STAGE, connectionId: "conn-1" };
let management: ManagementStub;

beforeAll(async () => {
  management = await startManagementStub(DOMAIN_NAME);
});

afterAll(() => management.close());

beforeEach(() => management.reset());

describe("sendToConnection", () => {
  it("does post the JSON, signed, to the connection on its API's endpoint when the connection is open", async () => {
    // act
    const delivered = await sendToConnection(address, { action: "pong" }, logger);
    // assess
    expect(delivered).toBe(true);
    expect(management.posts).toEqual([
      expect.objectContaining({ connectionId: "conn-1", message: { action: "pong" }, host: DOMAIN_NAME, path: `/${STAGE}/@connections/conn-1` }),
    ]);
    expect(management.posts[0].authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTESTTESTTEST\/\d{8}\/us-east-1\/execute-api\/aws4_request/);
  });

  it("does post through the given post and not the connection's endpoint when the caller gives one", async () => {
    // prepare
    const posted: [string, string][] = [];
    const post = async (connectionId: string, data: string | Uint8Array) => {
      posted.push([connectionId, String(data)]);
      return "gone" as const;
    };
    // act
    const delivered = await sendToConnection(address, { action: "pong" }, logger, post);
    // assess
    expect(delivered).toBe(false);
    expect(posted).toEqual([["conn-1", JSON.stringify({ action: "pong" })]]);
    expect(management.posts).toHaveLength(0);
  });

  it("does answer false without throwing when the connection is gone", async () => {
    // prepare
    management.answers.set("conn-1", 410);
    // act
    const delivered = await sendToConnection(address, { action: "pong" }, logger);
    // assess
    expect(delivered).toBe(false);
    expect(management.posts).toHaveLength(1);
  });

  it("does answer false without throwing when the post fails", async () => {
    // prepare
    management.answers.set("conn-1", 403);
    // act
    const delivered = await sendToConnection(address, { action: "pong" }, logger);
    // assess
    expect(delivered).toBe(false);
  });
});

describe("replyWithError", () => {
  it("does post {action: error, code, message} to the connection when given a ClientError", async () => {
    // act
    await replyWithError(address, new InvalidJsonError("Message body is empty"), "action", logger);
    // assess
    expect(management.byRecipient()).toEqual([
      { connectionId: "conn-1", message: { action: "error", code: "INVALID_JSON", message: "Message body is empty" } },
    ]);
  });

  it("does resolve when the error reply cannot be delivered", async () => {
    // prepare
    management.answers.set("conn-1", 403);
    // act
    const outcome = replyWithError(address, new InvalidJsonError("x"), "action", logger);
    // assess
    await expect(outcome).resolves.toBeUndefined();
    expect(management.posts).toHaveLength(1);
  });
});

describe("answerOrReplyWithError", () => {
  const recording = () => {
    const posted: unknown[] = [];
    const post = async (_: string, data: string | Uint8Array) => {
      posted.push(JSON.parse(String(data)));
      return "delivered" as const;
    };
    return { posted, replies: { field: "type", logger, post, internalMessage: "Message could not be handled" } };
  };
  const event = webSocketEvent({ requestId: "req-42" });

  it("does answer 200 and reply nothing when the work succeeds", async () => {
    // prepare
    const { posted, replies } = recording();
    // act
    const result = await answerOrReplyWithError(event, replies, async () => ({ type: "join" }));
    // assess
    expect(result).toEqual({ statusCode: 200 });
    expect(posted).toEqual([]);
  });

  it("does reply the client's error in the API's field and answer its status", async () => {
    // prepare
    const { posted, replies } = recording();
    // act
    const result = await answerOrReplyWithError(event, replies, async () => {
      throw new InvalidJsonError("Message is not valid JSON");
    });
    // assess
    expect(result).toEqual({ statusCode: 400 });
    expect(posted).toEqual([{ type: "error", code: "INVALID_JSON", message: "Message is not valid JSON" }]);
  });

  it("does reply INTERNAL_ERROR with the request id, not the failure's own message, when the failure is ours", async () => {
    // prepare
    const { posted, replies } = recording();
    // act
    const result = await answerOrReplyWithError(event, replies, async () => {
      throw new Error("table arn:aws:dynamodb:secret-internals not found");
    });
    // assess
    expect(result).toEqual({ statusCode: 500 });
    expect(posted).toEqual([{ type: "error", code: "INTERNAL_ERROR", message: "Message could not be handled (request req-42)" }]);
  });
});

describe("refuseConnection", () => {
  it("does answer the error's status with its code and message", () => {
    // act and assess
    expect(refuseConnection(new InvalidJsonError("bad"), logger)).toEqual({ statusCode: 400, body: JSON.stringify({ code: "INVALID_JSON", message: "bad" }) });
  });
});
