import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsServiceError, startJsonProtocolService } from "../../local/protocol/aws-json";
import type { Listening } from "../../local/services/http-listener";

class PatternError extends Error {}

let service: Listening;

beforeAll(async () => {
  service = await startJsonProtocolService({
    targetPrefix: "Probe_20260101.",
    contentType: "application/x-amz-json-1.0",
    operations: {
      Echo: (input) => ({ Received: input }),
      Refuse: () => {
        throw new AwsServiceError("ConflictException", "Probe is busy", 409);
      },
      Pattern: () => {
        throw new PatternError("Bad pattern");
      },
      Crash: async () => {
        throw new TypeError("boom");
      },
    },
    toServiceError: (error) => (error instanceof PatternError ? new AwsServiceError("InvalidPatternException", error.message) : undefined),
    internalErrorCode: "InternalServiceError",
    maxBodyBytes: 64,
  });
});

afterAll(async () => {
  await service.close();
});

async function call(target: string | undefined, body: string, method = "POST") {
  const response = await fetch(service.url, { method, headers: target ? { "X-Amz-Target": target } : {}, body: method === "GET" ? undefined : body });
  return { status: response.status, type: response.headers.get("content-type"), body: (await response.json()) as Record<string, unknown> };
}

describe("the JSON-protocol front door", () => {
  it("does answer an operation's result with the service's content type", async () => {
    // act
    const reply = await call("Probe_20260101.Echo", '{"Name":"x"}');
    // assess
    expect(reply).toEqual({ status: 200, type: "application/x-amz-json-1.0", body: { Received: { Name: "x" } } });
  });

  it.each([
    ["another service's target", "Other.Echo", "POST"],
    ["an operation the service lacks", "Probe_20260101.Delete", "POST"],
    ["an Object.prototype member", "Probe_20260101.__proto__", "POST"],
    ["no target", undefined, "POST"],
    ["a GET", "Probe_20260101.Echo", "GET"],
  ])("does answer UnknownOperationException for %s", async (_, target, method) => {
    // act
    const reply = await call(target, "{}", method);
    // assess
    expect(reply.status).toBe(400);
    expect(reply.body.__type).toBe("UnknownOperationException");
  });

  it.each([
    ["invalid JSON", "{"],
    ["a JSON array", "[]"],
    ["a JSON string", '"x"'],
  ])("does answer SerializationException for %s", async (_, body) => {
    // act
    const reply = await call("Probe_20260101.Echo", body);
    // assess
    expect(reply).toMatchObject({ status: 400, body: { __type: "SerializationException" } });
  });

  it("does answer 413 for a body over the limit", async () => {
    // act
    const reply = await call("Probe_20260101.Echo", JSON.stringify({ pad: "x".repeat(100) }));
    // assess
    expect(reply).toMatchObject({ status: 413, body: { __type: "RequestEntityTooLargeException" } });
  });

  it("does answer the service's own errors with their codes and statuses, and anything else as its internal error", async () => {
    // act
    const refused = await call("Probe_20260101.Refuse", "{}");
    const mapped = await call("Probe_20260101.Pattern", "{}");
    const crashed = await call("Probe_20260101.Crash", "{}");
    // assess
    expect(refused).toMatchObject({ status: 409, body: { __type: "ConflictException", message: "Probe is busy" } });
    expect(mapped).toMatchObject({ status: 400, body: { __type: "InvalidPatternException", message: "Bad pattern" } });
    expect(crashed).toMatchObject({ status: 500, body: { __type: "InternalServiceError", message: "Internal error in the local runtime: boom" } });
  });
});
