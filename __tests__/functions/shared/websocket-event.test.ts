import { describe, expect, it } from "vitest";
import { UnauthenticatedError } from "../../../functions/shared/errors";
import { callerIdentity, managementEndpoint } from "../../../functions/shared/websocket-event";
import { webSocketEvent } from "../support";

describe("callerIdentity", () => {
  it("does return the user id and username when the authorizer put both in the context", () => {
    // prepare
    const event = webSocketEvent({ authorizer: { userId: "u-1", username: "alice", principalId: "u-1" } });
    // act
    const caller = callerIdentity(event);
    // assess
    expect(caller).toEqual({ userId: "u-1", username: "alice" });
  });

  it.each([
    ["there is no authorizer context", null],
    ["the context is empty", {}],
    ["the username is missing", { userId: "u-1" }],
    ["the user id is missing", { username: "alice" }],
    ["the username is empty", { userId: "u-1", username: "" }],
    ["the user id is empty", { userId: "", username: "alice" }],
    ["the username is not a string", { userId: "u-1", username: 42 }],
  ])("does throw UNAUTHENTICATED when %s", (_name, authorizer) => {
    // prepare
    const event = webSocketEvent({ authorizer });
    // act
    const act = () => callerIdentity(event);
    // assess
    expect(act).toThrow(UnauthenticatedError);
  });
});

describe("managementEndpoint", () => {
  it("does build https://{domain}/{stage} when given a domain and stage", () => {
    // prepare
    const domain = "abc.execute-api.eu-west-1.amazonaws.com";
    // act
    const endpoint = managementEndpoint(domain, "prod");
    // assess
    expect(endpoint).toBe("https://abc.execute-api.eu-west-1.amazonaws.com/prod");
  });
});
