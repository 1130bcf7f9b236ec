import { ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { InvalidJsonError } from "../../../functions/shared/errors";
import { observability } from "../../../functions/shared/observability";
import { answerOrReplyWithError, refuseConnection, replyWithError, sendToConnection } from "../../../functions/shared/reply";
import { DOMAIN_NAME, postEndpoint, postedMessages, setBaseEnvironment, STAGE, webSocketEvent } from "../support";

setBaseEnvironment();
const management = mockClient(ApiGatewayManagementApiClient);
const { logger } = observability("reply-test");
const address = { domainName: DOMAIN_NAME, stage: STAGE, connectionId: "conn-1" };

beforeEach(() => {
  management.reset();
});

describe("sendToConnection", () => {
  it("does post the JSON to the connection on its API's endpoint when the connection is open", async () => {
    // prepare
    management.on(PostToConnectionCommand).resolves({});
    // act
    const delivered = await sendToConnection(address, { action: "pong" }, logger);
    // assess
    expect(delivered).toBe(true);
    expect(postedMessages(management)).toEqual([{ connectionId: "conn-1", message: { action: "pong" } }]);
    expect(await postEndpoint(management)).toBe(`https://${DOMAIN_NAME}/${STAGE}`);
  });

  it("does post through the given post and not the SDK client when the caller gives one", async () => {
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
    expect(management.commandCalls(PostToConnectionCommand)).toHaveLength(0);
  });

  it("does answer false without throwing when the connection is gone", async () => {
    // prepare
    management.on(PostToConnectionCommand).rejects(new GoneException({ message: "gone", $metadata: { httpStatusCode: 410 } }));
    // act
    const delivered = await sendToConnection(address, { action: "pong" }, logger);
    // assess
    expect(delivered).toBe(false);
  });

  it("does answer false without throwing when the post fails", async () => {
    // prepare
    management.on(PostToConnectionCommand).rejects(new Error("network down"));
    // act
    const delivered = await sendToConnection(address, { action: "pong" }, logger);
    // assess
    expect(delivered).toBe(false);
  });
});

describe("replyWithError", () => {
  it("does post {action: error, code, message} to the connection when given a ClientError", async () => {
    // prepare
    management.on(PostToConnectionCommand).resolves({});
    // act
    await replyWithError(address, new InvalidJsonError("Message body is empty"), "action", logger);
    // assess
    expect(postedMessages(management)).toEqual([
      { connectionId: "conn-1", message: { action: "error", code: "INVALID_JSON", message: "Message body is empty" } },
    ]);
  });

  it("does resolve when the error reply cannot be delivered", async () => {
    // prepare
    management.on(PostToConnectionCommand).rejects(new Error("network down"));
    // act
    const outcome = replyWithError(address, new InvalidJsonError("x"), "action", logger);
    // assess
    await expect(outcome).resolves.toBeUndefined();
    expect(management.commandCalls(PostToConnectionCommand)).toHaveLength(1);
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
