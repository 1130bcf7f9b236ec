import {
  ApiGatewayManagementApiClient,
  ForbiddenException,
  GoneException,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { managementClient, postToConnection } from "../../../functions/shared/management-api";
import { postEndpoint, postedMessages, setBaseEnvironment } from "../support";

setBaseEnvironment();
const management = mockClient(ApiGatewayManagementApiClient);

beforeEach(() => {
  management.reset();
});

describe("managementClient", () => {
  it("does return the same client when asked twice for one endpoint", () => {
    // prepare
    const endpoint = "https://one.example.com/prod";
    // act
    const first = managementClient(endpoint);
    const second = managementClient(endpoint);
    // assess
    expect(second).toBe(first);
  });

  it("does return distinct clients when the endpoints differ", () => {
    // prepare
    const endpoints = ["https://two.example.com/prod", "https://two.example.com/dev"];
    // act
    const [prod, dev] = endpoints.map(managementClient);
    // assess
    expect(prod).not.toBe(dev);
  });

  it("does point the client at the endpoint when it posts", async () => {
    // prepare
    management.on(PostToConnectionCommand).resolves({});
    const client = managementClient("https://three.example.com/stage-x");
    // act
    await postToConnection(client, "c1", "{}");
    // assess
    expect(await postEndpoint(management)).toBe("https://three.example.com/stage-x");
  });
});

describe("postToConnection", () => {
  const client = managementClient("https://four.example.com/prod");

  it("does post the text as UTF-8 and answer delivered when the post succeeds", async () => {
    // prepare
    management.on(PostToConnectionCommand).resolves({});
    // act
    const outcome = await postToConnection(client, "c1", JSON.stringify({ hello: "wörld" }));
    // assess
    expect(outcome).toBe("delivered");
    expect(postedMessages(management)).toEqual([{ connectionId: "c1", message: { hello: "wörld" } }]);
  });

  it("does post bytes as they are when given bytes", async () => {
    // prepare
    management.on(PostToConnectionCommand).resolves({});
    const bytes = new TextEncoder().encode('{"a":1}');
    // act
    await postToConnection(client, "c2", bytes);
    // assess
    expect(management.commandCalls(PostToConnectionCommand)[0].args[0].input.Data).toBe(bytes);
  });

  it("does answer gone when the connection answers GoneException", async () => {
    // prepare
    management.on(PostToConnectionCommand).rejects(new GoneException({ message: "gone", $metadata: { httpStatusCode: 410 } }));
    // act
    const outcome = await postToConnection(client, "c3", "{}");
    // assess
    expect(outcome).toBe("gone");
  });

  it("does answer gone when an error of another name carries status 410", async () => {
    // prepare
    const error = Object.assign(new Error("gone"), { name: "UnknownError", $metadata: { httpStatusCode: 410 } });
    management.on(PostToConnectionCommand).rejects(error);
    // act
    const outcome = await postToConnection(client, "c4", "{}");
    // assess
    expect(outcome).toBe("gone");
  });

  it("does rethrow when the post fails for another reason", async () => {
    // prepare
    const error = new ForbiddenException({ message: "forbidden", $metadata: { httpStatusCode: 403 } });
    management.on(PostToConnectionCommand).rejects(error);
    // act
    const outcome = postToConnection(client, "c5", "{}");
    // assess
    await expect(outcome).rejects.toBe(error);
  });
});
