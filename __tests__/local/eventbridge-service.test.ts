import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ListRulesCommand,
  PutEventsCommand,
  TestEventPatternCommand,
  type PutEventsRequestEntry,
} from "@aws-sdk/client-eventbridge";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalEventBridge } from "../../local/eventbridge/event-bus";
import type { EventBridgeEvent } from "../../local/eventbridge/put-events";
import { startEventBridgeService, type EventBridgeService } from "../../local/eventbridge/http-service";

const LIMIT = 256 * 1024;

let engine: LocalEventBridge;
let service: EventBridgeService;
let client: EventBridgeClient;
let delivered: EventBridgeEvent[];

beforeEach(async () => {
  engine = new LocalEventBridge({ retryBaseDelayMs: 1 });
  engine.addBus("audio");
  engine.addRule({ name: "chunks", busName: "audio", eventPattern: JSON.stringify({ source: ["game.voice"] }) });
  delivered = [];
  engine.addTarget({
    ruleName: "chunks",
    busName: "audio",
    id: "fn",
    arn: "arn:fn",
    invoke: async (event) => {
      delivered.push(event);
    },
  });
  service = await startEventBridgeService(engine);
  client = new EventBridgeClient({
    endpoint: service.url,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
});

afterEach(async () => {
  client.destroy();
  engine.stop();
  await service.close();
});

/** An entry whose size, as AWS computes it, is exactly `bytes`. */
function entryOfSize(bytes: number, extra: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry {
  const overhead = "s".length + "t".length + JSON.stringify({ p: "" }).length;
  return { Source: "s", DetailType: "t", Detail: JSON.stringify({ p: "x".repeat(bytes - overhead) }), ...extra };
}

const chunk: PutEventsRequestEntry = {
  Source: "game.voice",
  DetailType: "Audio Chunk",
  Detail: JSON.stringify({ status: "PENDING" }),
  EventBusName: "audio",
};

async function rejection(promise: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  const error = (await promise.then(
    () => expect.unreachable("the call should have failed"),
    (caught: unknown) => caught
  )) as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
  return { name: error.name, message: error.message, status: error.$metadata?.httpStatusCode };
}

describe("PutEvents through the AWS SDK", () => {
  it("returns an EventId per entry and delivers them when all entries are valid", async () => {
    const output = await client.send(new PutEventsCommand({ Entries: [chunk, chunk] }));
    await engine.idle();

    expect(output.FailedEntryCount).toBe(0);
    expect(output.Entries?.map((entry) => entry.EventId)).toEqual(delivered.map((event) => event.id));
    expect(delivered).toHaveLength(2);
  });

  it("answers per entry, in order, when valid and invalid entries are mixed", async () => {
    const entries: PutEventsRequestEntry[] = [
      { DetailType: "t", Detail: "{}" },
      chunk,
      { Source: "s", Detail: "{}" },
      { Source: "s", DetailType: "t" },
      { Source: "s", DetailType: "t", Detail: "[1, 2]" },
      { Source: "aws.ec2", DetailType: "t", Detail: "{}" },
    ];

    const output = await client.send(new PutEventsCommand({ Entries: entries }));
    await engine.idle();

    expect(output.FailedEntryCount).toBe(5);
    expect(output.Entries?.map((entry) => entry.ErrorCode ?? "ok")).toEqual([
      "InvalidArgument",
      "ok",
      "InvalidArgument",
      "InvalidArgument",
      "MalformedDetail",
      "NotAuthorizedForSourceException",
    ]);
    expect(output.Entries?.[0].ErrorMessage).toBe("Parameter Source is not valid: Source is a required argument");
    expect(delivered).toHaveLength(1);
  });

  it("accepts an entry when its size is exactly 256 KB", async () => {
    const output = await client.send(new PutEventsCommand({ Entries: [entryOfSize(LIMIT)] }));

    expect(output.FailedEntryCount).toBe(0);
  });

  it("refuses the request with ValidationException when an entry is one byte over 256 KB", async () => {
    const error = await rejection(client.send(new PutEventsCommand({ Entries: [entryOfSize(LIMIT + 1)] })));

    expect(error).toEqual({
      name: "ValidationException",
      message: `Total size of the entries in the request is over the limit: ${LIMIT + 1} bytes, the limit is ${LIMIT}`,
      status: 400,
    });
  });

  it("counts Time as 14 bytes when an entry sets it", async () => {
    const entry = entryOfSize(LIMIT - 13, { Time: new Date("2024-01-01T00:00:00Z") });

    const error = await rejection(client.send(new PutEventsCommand({ Entries: [entry] })));

    expect(error.message).toContain(`${LIMIT + 1} bytes`);
  });

  it("adds up the entries' sizes when a request holds several", async () => {
    const entries = [entryOfSize(LIMIT / 2), entryOfSize(LIMIT / 2 + 1)];

    const error = await rejection(client.send(new PutEventsCommand({ Entries: entries })));

    expect(error.name).toBe("ValidationException");
  });

  it("accepts the entry and delivers nothing when its bus does not exist", async () => {
    const output = await client.send(new PutEventsCommand({ Entries: [{ ...chunk, EventBusName: "no-such-bus" }] }));
    await engine.idle();

    expect(output.FailedEntryCount).toBe(0);
    expect(output.Entries?.[0].EventId).toBeDefined();
    expect(delivered).toEqual([]);
  });

  it("routes the entry when its bus is given by ARN", async () => {
    await client.send(new PutEventsCommand({ Entries: [{ ...chunk, EventBusName: engine.arnOf("audio") }] }));
    await engine.idle();

    expect(delivered).toHaveLength(1);
  });

  it("keeps the entry's Time to the second when the SDK sends it", async () => {
    await client.send(new PutEventsCommand({ Entries: [{ ...chunk, Time: new Date("2024-06-30T23:59:59.900Z") }] }));
    await engine.idle();

    expect(delivered[0].time).toBe("2024-06-30T23:59:59Z");
  });

  it("refuses the request with ValidationException when it has more than 10 entries", async () => {
    const entries = Array.from({ length: 11 }, () => chunk);

    const error = await rejection(client.send(new PutEventsCommand({ Entries: entries })));

    expect(error.name).toBe("ValidationException");
    expect(error.status).toBe(400);
    expect(delivered).toEqual([]);
  });
});

describe("TestEventPattern through the AWS SDK", () => {
  const event = {
    version: "0",
    id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "Audio Chunk",
    source: "game.voice",
    account: "111122223333",
    time: "2024-01-01T00:00:00Z",
    region: "us-east-1",
    resources: [],
    detail: { status: "PENDING", size: 2048 },
  };

  it("returns true when the event matches the pattern", async () => {
    const pattern = { source: ["game.voice"], detail: { size: [{ numeric: ["<", 4096] }] } };

    const output = await client.send(
      new TestEventPatternCommand({ EventPattern: JSON.stringify(pattern), Event: JSON.stringify(event) })
    );

    expect(output.Result).toBe(true);
  });

  it("returns false when the event does not match the pattern", async () => {
    const pattern = { detail: { status: ["STORED"] } };

    const output = await client.send(
      new TestEventPatternCommand({ EventPattern: JSON.stringify(pattern), Event: JSON.stringify(event) })
    );

    expect(output.Result).toBe(false);
  });

  it("returns true when the pattern nests a path that the event spells as one dotted key", async () => {
    const pattern = { detail: { chunk: { status: ["PENDING"] } } };
    const dotted = { ...event, detail: { "chunk.status": "PENDING" } };

    const output = await client.send(
      new TestEventPatternCommand({ EventPattern: JSON.stringify(pattern), Event: JSON.stringify(dotted) })
    );

    expect(output.Result).toBe(true);
  });

  it("throws InvalidEventPatternException when the pattern is invalid", async () => {
    const error = await rejection(
      client.send(
        new TestEventPatternCommand({ EventPattern: '{"source": "game.voice"}', Event: JSON.stringify(event) })
      )
    );

    expect(error.name).toBe("InvalidEventPatternException");
    expect(error.status).toBe(400);
  });

  it("throws ValidationException naming the field when the event lacks a required one", async () => {
    const { region: _region, ...withoutRegion } = event;

    const error = await rejection(
      client.send(
        new TestEventPatternCommand({
          EventPattern: '{"source": ["game.voice"]}',
          Event: JSON.stringify(withoutRegion),
        })
      )
    );

    expect(error).toEqual({
      name: "ValidationException",
      message: "Parameter Event is not valid: missing required field(s) region",
      status: 400,
    });
  });

  it("tests the event when it has no resources field", async () => {
    const { resources: _resources, ...withoutResources } = event;

    const output = await client.send(
      new TestEventPatternCommand({
        EventPattern: '{"source": ["game.voice"]}',
        Event: JSON.stringify(withoutResources),
      })
    );

    expect(output.Result).toBe(true);
  });
});

describe("the JSON protocol front door", () => {
  it("lists buses and rules when asked through the SDK", async () => {
    const buses = await client.send(new ListEventBusesCommand({}));
    const rules = await client.send(new ListRulesCommand({ EventBusName: "audio" }));

    expect(buses.EventBuses?.map((bus) => bus.Name)).toEqual(["default", "audio"]);
    expect(rules.Rules).toEqual([
      {
        Name: "chunks",
        Arn: engine.ruleArn("audio", "chunks"),
        EventBusName: "audio",
        EventPattern: JSON.stringify({ source: ["game.voice"] }),
        State: "ENABLED",
      },
    ]);
  });

  it("throws ResourceNotFoundException when rules of an unknown bus are listed", async () => {
    const error = await rejection(client.send(new ListRulesCommand({ EventBusName: "no-such-bus" })));

    expect(error).toEqual({
      name: "ResourceNotFoundException",
      message: "Event bus no-such-bus does not exist",
      status: 400,
    });
  });

  it("answers UnknownOperationException when the operation is not implemented", async () => {
    const error = await rejection(client.send(new DescribeRuleCommand({ Name: "chunks" })));

    expect(error).toEqual({
      name: "UnknownOperationException",
      message: "Operation DescribeRule is not implemented by the local runtime",
      status: 400,
    });
  });

  it("answers SerializationException when the body is not JSON", async () => {
    const response = await fetch(service.url, {
      method: "POST",
      headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSEvents.PutEvents" },
      body: "{not json",
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: "SerializationException" });
  });

  it("answers 413 when the body is over the service's limit", async () => {
    const small = await startEventBridgeService(engine, { maxBodyBytes: 1024 });

    const response = await fetch(small.url, {
      method: "POST",
      headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSEvents.PutEvents" },
      body: JSON.stringify({ Entries: [{ ...chunk, Detail: JSON.stringify({ p: "x".repeat(2048) }) }] }),
    });
    const body: unknown = await response.json();
    await small.close();

    expect(response.status).toBe(413);
    expect(body).toEqual({
      __type: "RequestEntityTooLargeException",
      message: expect.stringContaining("over the local limit of 1024"),
    });
  });
});
