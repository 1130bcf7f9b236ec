import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openDeliveryJournal, type JournaledDelivery } from "../../local/eventbridge/delivery-journal";
import { parseCronExpression } from "../../local/eventbridge/cron-expression";
import { LocalEventBridge, type LocalEventBridgeOptions } from "../../local/eventbridge/event-bus";
import { InvalidEventPatternError } from "../../local/eventbridge/event-pattern";
import type { EventBridgeEvent } from "../../local/eventbridge/put-events";
import { parseScheduleExpression } from "../../local/eventbridge/schedule-expression";
import { retryDelay, type DeadLetter } from "../../local/eventbridge/target-delivery";

const chunkPattern = JSON.stringify({ source: ["game.voice"], detail: { status: ["PENDING"] } });

function chunkEntry(status: string, busName?: string) {
  return {
    Source: "game.voice",
    DetailType: "Audio Chunk",
    Detail: JSON.stringify({ status, chunkId: "c-1" }),
    ...(busName === undefined ? {} : { EventBusName: busName }),
  };
}

/** A target that records what it receives and fails its first `failures` invocations. */
function recordingTarget(failures = 0) {
  const received: EventBridgeEvent[] = [];
  let calls = 0;
  const invoke = async (event: EventBridgeEvent) => {
    calls++;
    if (calls <= failures) throw new Error(`Function failed on call ${calls}`);
    received.push(event);
  };
  return { received, invoke, calls: () => calls };
}

function engineWithRule(options: LocalEventBridgeOptions = {}, state: "ENABLED" | "DISABLED" = "ENABLED") {
  const engine = new LocalEventBridge({ retryBaseDelayMs: 1, ...options });
  engine.addBus("audio");
  engine.addRule({ name: "process", busName: "audio", eventPattern: chunkPattern, state });
  return engine;
}

const journalDirs: string[] = [];
function journalPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "bus-journal-"));
  journalDirs.push(dir);
  return join(dir, "events.jsonl");
}

function journalRecords(path: string): { op: string; id: string; payload?: JournaledDelivery }[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line));
}

afterEach(() => {
  vi.useRealTimers();
  for (const dir of journalDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("routing events to targets", () => {
  it("delivers the event to the rule's target when the pattern matches", async () => {
    const engine = engineWithRule();
    const target = recordingTarget();
    engine.addTarget({ ruleName: "process", busName: "audio", id: "fn", arn: "arn:fn", invoke: target.invoke });

    const result = engine.putEvents([chunkEntry("PENDING", "audio")]);
    await engine.idle();

    expect(result.FailedEntryCount).toBe(0);
    expect(target.received).toHaveLength(1);
    expect(target.received[0].id).toBe((result.Entries[0] as { EventId: string }).EventId);
  });

  it("does not deliver when the pattern does not match", async () => {
    const engine = engineWithRule();
    const target = recordingTarget();
    engine.addTarget({ ruleName: "process", busName: "audio", id: "fn", arn: "arn:fn", invoke: target.invoke });

    engine.putEvents([chunkEntry("STORED", "audio")]);
    await engine.idle();

    expect(target.calls()).toBe(0);
  });

  it("ignores a rule when it is disabled", async () => {
    const engine = engineWithRule({}, "DISABLED");
    const target = recordingTarget();
    engine.addTarget({ ruleName: "process", busName: "audio", id: "fn", arn: "arn:fn", invoke: target.invoke });

    engine.putEvents([chunkEntry("PENDING", "audio")]);
    await engine.idle();

    expect(target.calls()).toBe(0);
  });

  it("only routes to rules of the bus the entry names when several buses have rules", async () => {
    const engine = engineWithRule();
    engine.addRule({ name: "process", eventPattern: chunkPattern });
    const onAudio = recordingTarget();
    const onDefault = recordingTarget();
    engine.addTarget({ ruleName: "process", busName: "audio", id: "a", arn: "arn:a", invoke: onAudio.invoke });
    engine.addTarget({ ruleName: "process", id: "d", arn: "arn:d", invoke: onDefault.invoke });

    engine.putEvents([chunkEntry("PENDING", engine.arnOf("audio"))]);
    await engine.idle();

    expect(onAudio.calls()).toBe(1);
    expect(onDefault.calls()).toBe(0);
  });

  it("answers before the target runs when it puts events", async () => {
    const engine = engineWithRule();
    const target = recordingTarget();
    engine.addTarget({ ruleName: "process", busName: "audio", id: "fn", arn: "arn:fn", invoke: target.invoke });

    engine.putEvents([chunkEntry("PENDING", "audio")]);
    const callsWhenAnswered = target.calls();
    await engine.idle();

    expect(callsWhenAnswered).toBe(0);
    expect(target.calls()).toBe(1);
  });

  it("builds the event with AWS's envelope when an entry is accepted", async () => {
    const engine = engineWithRule({ account: "123456789012", region: "eu-west-1" });
    const target = recordingTarget();
    engine.addTarget({ ruleName: "process", busName: "audio", id: "fn", arn: "arn:fn", invoke: target.invoke });

    engine.putEvents([
      {
        ...chunkEntry("PENDING", "audio"),
        Resources: ["arn:aws:s3:::audio"],
        Time: new Date("2024-05-01T12:00:00.750Z"),
      },
    ]);
    await engine.idle();

    expect(target.received[0]).toEqual({
      version: "0",
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      "detail-type": "Audio Chunk",
      source: "game.voice",
      account: "123456789012",
      time: "2024-05-01T12:00:00Z",
      region: "eu-west-1",
      resources: ["arn:aws:s3:::audio"],
      detail: { status: "PENDING", chunkId: "c-1" },
    });
  });

  it("accepts and drops the event, reporting it, when its bus does not exist", async () => {
    const engine = engineWithRule();
    const dropped: string[] = [];
    engine.onUnknownBus(({ busName }) => dropped.push(busName));

    const result = engine.putEvents([chunkEntry("PENDING", "no-such-bus")]);

    expect(result.FailedEntryCount).toBe(0);
    expect(result.Entries[0]).toHaveProperty("EventId");
    expect(dropped).toEqual(["no-such-bus"]);
  });

  it("fails the entry with ResourceNotFoundException when its bus does not exist and rejection is on", () => {
    const engine = engineWithRule({ rejectUnknownBus: true });

    const result = engine.putEvents([chunkEntry("PENDING", "no-such-bus"), chunkEntry("PENDING", "audio")]);

    expect(result.FailedEntryCount).toBe(1);
    expect(result.Entries[0]).toEqual({
      ErrorCode: "ResourceNotFoundException",
      ErrorMessage: "Event bus no-such-bus does not exist",
    });
    expect(result.Entries[1]).toHaveProperty("EventId");
  });
});

describe("retries and dead letters", () => {
  it("delivers on a later attempt when the target fails at first", async () => {
    const engine = engineWithRule();
    const target = recordingTarget(2);
    engine.addTarget({ ruleName: "process", busName: "audio", id: "fn", arn: "arn:fn", invoke: target.invoke });

    engine.putEvents([chunkEntry("PENDING", "audio")]);
    await engine.idle();

    expect(target.calls()).toBe(3);
    expect(target.received).toHaveLength(1);
    expect(engine.deadLetters).toEqual([]);
  });

  it("records a dead letter with the attempt count when the retries are exhausted", async () => {
    const engine = engineWithRule();
    const target = recordingTarget(Infinity);
    const notified: DeadLetter[] = [];
    engine.onDeadLetter((deadLetter) => notified.push(deadLetter));
    engine.addTarget({
      ruleName: "process",
      busName: "audio",
      id: "fn",
      arn: "arn:fn",
      invoke: target.invoke,
      retryPolicy: { maximumRetryAttempts: 2 },
      deadLetterArn: "arn:aws:sqs:us-east-1:000000000000:dlq",
    });

    engine.putEvents([chunkEntry("PENDING", "audio")]);
    await engine.idle();

    expect(target.calls()).toBe(3);
    expect(engine.deadLetters).toHaveLength(1);
    expect(engine.deadLetters[0]).toMatchObject({
      targetId: "fn",
      ruleName: "process",
      ruleArn: engine.ruleArn("audio", "process"),
      deadLetterArn: "arn:aws:sqs:us-east-1:000000000000:dlq",
      errorMessage: "Function failed on call 3",
      attempts: 3,
      reason: "RetryAttemptsExhausted",
      event: { detail: { status: "PENDING" } },
    });
    expect(notified).toEqual(engine.deadLetters);
  });

  it("records the event as dropped when the target has no dead-letter ARN", async () => {
    const engine = engineWithRule();
    const target = recordingTarget(Infinity);
    engine.addTarget({
      ruleName: "process",
      busName: "audio",
      id: "fn",
      arn: "arn:fn",
      invoke: target.invoke,
      retryPolicy: { maximumRetryAttempts: 0 },
    });

    engine.putEvents([chunkEntry("PENDING", "audio")]);
    await engine.idle();

    expect(engine.deadLetters).toHaveLength(1);
    expect(engine.deadLetters[0].deadLetterArn).toBeUndefined();
    expect(engine.deadLetters[0].attempts).toBe(1);
  });

  it("gives up when the next retry would come after the maximum event age", async () => {
    vi.useFakeTimers();
    const engine = engineWithRule({ retryBaseDelayMs: 10_000, random: () => 1 });
    const target = recordingTarget(Infinity);
    engine.addTarget({
      ruleName: "process",
      busName: "audio",
      id: "fn",
      arn: "arn:fn",
      invoke: target.invoke,
      retryPolicy: { maximumEventAgeInSeconds: 60 },
    });

    engine.putEvents([chunkEntry("PENDING", "audio")]);
    await vi.advanceTimersByTimeAsync(120_000);

    // Retries wait 10 s then 20 s; after the third failure at 30 s the next wait of 40 s would pass 60 s
    expect(target.calls()).toBe(3);
    expect(engine.deadLetters).toHaveLength(1);
    expect(engine.deadLetters[0]).toMatchObject({ attempts: 3, reason: "MaximumEventAgeExceeded" });
  });

  it("doubles the retry delay up to the cap when attempts fail in a row", () => {
    const backoff = { baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0 };

    const delays = [1, 2, 3, 4, 5, 6].map((attempt) => retryDelay(attempt, backoff));

    expect(delays).toEqual([50, 100, 200, 400, 500, 500]);
  });

  it("abandons pending retries when the engine stops", async () => {
    const engine = engineWithRule({ retryBaseDelayMs: 60_000 });
    const target = recordingTarget(Infinity);
    engine.addTarget({ ruleName: "process", busName: "audio", id: "fn", arn: "arn:fn", invoke: target.invoke });

    engine.putEvents([chunkEntry("PENDING", "audio")]);
    await vi.waitFor(() => expect(target.calls()).toBe(1));
    engine.stop();
    await engine.idle();

    expect(target.calls()).toBe(1);
    expect(engine.deadLetters).toEqual([]);
  });
});

describe("scheduled rules", () => {
  it("fires a Scheduled Event every minute when a rate(1 minute) rule runs", async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2024-03-01T10:00:00Z"));
    const engine = new LocalEventBridge();
    const ruleArn = engine.addRule({ name: "tick", scheduleExpression: "rate(1 minute)" });
    const target = recordingTarget();
    engine.addTarget({ ruleName: "tick", id: "fn", arn: "arn:fn", invoke: target.invoke });

    engine.start();
    await vi.advanceTimersByTimeAsync(59_000);
    const beforeAMinute = target.calls();
    await vi.advanceTimersByTimeAsync(61_000);
    engine.stop();

    expect(beforeAMinute).toBe(0);
    expect(target.received.map((event) => event.time)).toEqual(["2024-03-01T10:01:00Z", "2024-03-01T10:02:00Z"]);
    expect(target.received[0]).toMatchObject({
      source: "aws.events",
      "detail-type": "Scheduled Event",
      resources: [ruleArn],
      detail: {},
    });
  });

  it("does not fire when the engine is stopped", async () => {
    vi.useFakeTimers();
    const engine = new LocalEventBridge();
    engine.addRule({ name: "tick", scheduleExpression: "rate(1 minute)" });
    const target = recordingTarget();
    engine.addTarget({ ruleName: "tick", id: "fn", arn: "arn:fn", invoke: target.invoke });

    engine.start();
    engine.stop();
    await vi.advanceTimersByTimeAsync(5 * 60_000);

    expect(target.calls()).toBe(0);
  });

  it("fires at the cron times when a cron rule runs", async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2024-03-01T10:07:00Z"));
    const engine = new LocalEventBridge();
    engine.addRule({ name: "quarter", scheduleExpression: "cron(0/15 * * * ? *)" });
    const target = recordingTarget();
    engine.addTarget({ ruleName: "quarter", id: "fn", arn: "arn:fn", invoke: target.invoke });

    engine.start();
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    engine.stop();

    expect(target.received.map((event) => event.time)).toEqual(["2024-03-01T10:15:00Z", "2024-03-01T10:30:00Z"]);
  });

  it("refuses a schedule when the rule is on a custom bus", () => {
    const engine = new LocalEventBridge();
    engine.addBus("audio");

    const addRule = () => engine.addRule({ name: "tick", busName: "audio", scheduleExpression: "rate(5 minutes)" });

    expect(addRule).toThrow(expect.objectContaining({ code: "ValidationException" }));
    expect(addRule).toThrow("supported only on the default event bus");
  });

  it.each(["rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "rate(1 week)", "every 5 minutes"])(
    "refuses the schedule expression when it is %s",
    (expression) => {
      const parse = () => parseScheduleExpression(expression);

      expect(parse).toThrow(`Schedule expression ${expression} is not valid`);
    }
  );
});

describe("cron expressions", () => {
  it.each([
    ["0 12 * * ? *", "2024-01-01T13:00:00Z", "2024-01-02T12:00:00Z"],
    ["15 10 ? * MON-FRI *", "2024-01-05T10:15:00Z", "2024-01-08T10:15:00Z"],
    ["0/15 * * * ? *", "2024-01-01T00:07:30Z", "2024-01-01T00:15:00Z"],
    ["0 8 1 * ? *", "2024-01-01T08:00:00Z", "2024-02-01T08:00:00Z"],
    ["0 0 L * ? 2024", "2024-02-01T00:00:00Z", "2024-02-29T00:00:00Z"],
    ["0 9 ? * 6#3 *", "2024-01-01T00:00:00Z", "2024-01-19T09:00:00Z"],
    ["0 18 ? * 2L *", "2024-01-01T00:00:00Z", "2024-01-29T18:00:00Z"],
    ["0 0 1W * ? *", "2024-05-02T00:00:00Z", "2024-06-03T00:00:00Z"],
    ["30 2 29 2 ? *", "2024-03-01T00:00:00Z", "2028-02-29T02:30:00Z"],
    ["0 6,18 ? * SAT,SUN *", "2024-01-06T06:00:00Z", "2024-01-06T18:00:00Z"],
  ])("fires next at the right time when the expression is cron(%s) after %s", (fields, after, expected) => {
    const schedule = parseCronExpression(fields, `cron(${fields})`);

    const next = schedule.next(Date.parse(after));

    expect(new Date(next as number).toISOString().replace(".000Z", "Z")).toBe(expected);
  });

  it("finds no fire time when the expression's years are over", () => {
    const schedule = parseCronExpression("0 0 1 1 ? 2020", "cron(0 0 1 1 ? 2020)");

    const next = schedule.next(Date.parse("2024-01-01T00:00:00Z"));

    expect(next).toBeUndefined();
  });

  it.each([
    ["0 12 * * * *", "exactly one of day-of-month and day-of-week must be ?"],
    ["0 12 ? * ? *", "exactly one of day-of-month and day-of-week must be ?"],
    ["0 12 * * ?", "expected 6 fields, got 5"],
    ["60 12 * * ? *", 'minutes field "60": values must be 0-59'],
    ["0 12 ? * 8 *", 'day-of-week field "8": values must be 1-7'],
    ["0 12 10-5 * ? *", 'day-of-month field "10-5": the range start is after its end'],
  ])("refuses cron(%s) with a reason", (fields, reason) => {
    const parse = () => parseCronExpression(fields, `cron(${fields})`);

    expect(parse).toThrow(`Schedule expression cron(${fields}) is not valid: ${reason}`);
  });
});

describe("definitions", () => {
  it("throws InvalidEventPatternError when a rule's pattern is invalid", () => {
    const engine = new LocalEventBridge();

    const addRule = () => engine.addRule({ name: "bad", eventPattern: JSON.stringify({ source: "game" }) });

    expect(addRule).toThrow(InvalidEventPatternError);
  });

  it("refuses a rule when it has neither a pattern nor a schedule", () => {
    const engine = new LocalEventBridge();

    const addRule = () => engine.addRule({ name: "empty" });

    expect(addRule).toThrow("Rule empty needs an EventPattern or a ScheduleExpression");
  });

  it("refuses a target when its rule does not exist", () => {
    const engine = new LocalEventBridge();

    const addTarget = () => engine.addTarget({ ruleName: "missing", id: "fn", arn: "arn:fn", invoke: async () => {} });

    expect(addTarget).toThrow(expect.objectContaining({ code: "ResourceNotFoundException" }));
  });

  it("refuses a retry policy when it is outside AWS's ranges", () => {
    const engine = engineWithRule();

    const addTarget = () =>
      engine.addTarget({
        ruleName: "process",
        busName: "audio",
        id: "fn",
        arn: "arn:fn",
        invoke: async () => {},
        retryPolicy: { maximumRetryAttempts: 186 },
      });

    expect(addTarget).toThrow("MaximumRetryAttempts must be an integer from 0 to 185, got 186");
  });

  it("gives ARNs in AWS's forms when asked for buses and rules", () => {
    const engine = new LocalEventBridge({ region: "eu-west-1", account: "123456789012" });

    const arns = [engine.arnOf("audio"), engine.ruleArn("default", "tick"), engine.ruleArn("audio", "process")];

    expect(arns).toEqual([
      "arn:aws:events:eu-west-1:123456789012:event-bus/audio",
      "arn:aws:events:eu-west-1:123456789012:rule/tick",
      "arn:aws:events:eu-west-1:123456789012:rule/audio/process",
    ]);
  });
});

describe("journaled deliveries", () => {
  it("does journal each delivery job before PutEvents answers when the target has a journal", () => {
    // prepare
    const path = journalPath();
    const engine = engineWithRule();
    engine.addTarget({ ruleName: "process", busName: "audio", id: "fn", arn: "arn:fn", invoke: async () => {}, journal: openDeliveryJournal(path) });
    engine.addTarget({ ruleName: "process", busName: "audio", id: "unjournaled", arn: "arn:other", invoke: async () => {} });
    // act
    const result = engine.putEvents([chunkEntry("PENDING", "audio")], { now: 1_700_000_000_000 });
    const records = journalRecords(path);
    // assess
    expect(records).toEqual([
      {
        op: "accepted",
        id: expect.any(String),
        payload: {
          event: expect.objectContaining({ id: (result.Entries[0] as { EventId: string }).EventId, detail: { status: "PENDING", chunkId: "c-1" } }),
          busName: "audio",
          ruleName: "process",
          targetId: "fn",
          targetArn: "arn:fn",
          acceptedAt: 1_700_000_000_000,
        },
      },
    ]);
  });

  it("does mark the job done when the target's invoke resolved", async () => {
    // prepare
    const path = journalPath();
    const journal = openDeliveryJournal(path);
    const engine = engineWithRule();
    engine.addTarget({ ruleName: "process", busName: "audio", id: "fn", arn: "arn:fn", invoke: recordingTarget(1).invoke, journal });
    // act
    engine.putEvents([chunkEntry("PENDING", "audio")]);
    await engine.idle();
    // assess
    expect(journal.size).toBe(0);
    expect(journalRecords(path).map((record) => record.op)).toEqual(["accepted", "done"]);
  });

  it("does mark the job done when it is dead-lettered", async () => {
    // prepare
    const path = journalPath();
    const journal = openDeliveryJournal(path);
    const engine = engineWithRule();
    engine.addTarget({
      ruleName: "process",
      busName: "audio",
      id: "fn",
      arn: "arn:fn",
      invoke: recordingTarget(Infinity).invoke,
      retryPolicy: { maximumRetryAttempts: 0 },
      journal,
    });
    // act
    engine.putEvents([chunkEntry("PENDING", "audio")]);
    await engine.idle();
    // assess
    expect(engine.deadLetters).toHaveLength(1);
    expect(journal.size).toBe(0);
  });

  it("does deliver the same event again from the journal when a job was still retrying as the engine stopped", async () => {
    // prepare: the first engine's target keeps failing until it stops, as a crashed runtime would
    const path = journalPath();
    const first = engineWithRule({ retryBaseDelayMs: 60_000 });
    const failing = recordingTarget(Infinity);
    first.addTarget({ ruleName: "process", busName: "audio", id: "fn", arn: "arn:fn", invoke: failing.invoke, journal: openDeliveryJournal(path) });
    const result = first.putEvents([chunkEntry("PENDING", "audio")]);
    await vi.waitFor(() => expect(failing.calls()).toBe(1));
    first.stop();
    await first.idle();
    const second = engineWithRule();
    const target = recordingTarget();
    const journal = openDeliveryJournal(path);
    second.addTarget({ ruleName: "process", busName: "audio", id: "fn", arn: "arn:fn", invoke: target.invoke, journal });
    // act
    const resumed = second.resume(journal);
    await second.idle();
    // assess
    expect(resumed).toBe(1);
    expect(target.received).toHaveLength(1);
    expect(target.received[0]).toMatchObject({ id: (result.Entries[0] as { EventId: string }).EventId, detail: { status: "PENDING", chunkId: "c-1" } });
    expect(journal.size).toBe(0);
    expect(openDeliveryJournal(path).pending()).toEqual([]);
  });

  it("does dead-letter a resumed job without invoking the target when it is past the maximum event age counted from its acceptance", async () => {
    // prepare: accepted 61 s ago by an earlier run, for a target whose events live 60 s
    const path = journalPath();
    const earlier = engineWithRule();
    earlier.addTarget({ ruleName: "process", busName: "audio", id: "fn", arn: "arn:fn", invoke: async () => {}, journal: openDeliveryJournal(path) });
    earlier.putEvents([chunkEntry("PENDING", "audio")], { now: Date.now() - 61_000 });
    earlier.stop();
    const engine = engineWithRule();
    const target = recordingTarget();
    const journal = openDeliveryJournal(path);
    engine.addTarget({ ruleName: "process", busName: "audio", id: "fn", arn: "arn:fn", invoke: target.invoke, retryPolicy: { maximumEventAgeInSeconds: 60 }, journal });
    // act
    engine.resume(journal);
    await engine.idle();
    // assess
    expect(target.calls()).toBe(0);
    expect(engine.deadLetters).toEqual([expect.objectContaining({ reason: "MaximumEventAgeExceeded", attempts: 0, targetId: "fn" })]);
    expect(journal.size).toBe(0);
  });

  it.each([
    ["its target", { ruleName: "process", targetId: "gone" }],
    ["its rule", { ruleName: "removed", targetId: "fn" }],
  ])("does dead-letter a resumed job as TargetNotFound, keeping the event, when %s is no longer defined", async (_name, where) => {
    // prepare: a job journaled by a run whose stack had another rule or target
    const path = journalPath();
    const earlier = openDeliveryJournal(path);
    const event: EventBridgeEvent = {
      version: "0",
      id: "evt-1",
      "detail-type": "Audio Chunk",
      source: "game.voice",
      account: "000000000000",
      time: "2025-01-02T03:04:05Z",
      region: "us-east-1",
      resources: [],
      detail: { status: "PENDING" },
    };
    earlier.accept("job-1", { event, busName: "audio", ...where, targetArn: "arn:old", acceptedAt: Date.now() });
    const engine = engineWithRule();
    const target = recordingTarget();
    const journal = openDeliveryJournal(path);
    engine.addTarget({ ruleName: "process", busName: "audio", id: "fn", arn: "arn:fn", invoke: target.invoke, journal });
    // act
    engine.resume(journal);
    await engine.idle();
    // assess
    expect(target.calls()).toBe(0);
    expect(engine.deadLetters).toEqual([
      expect.objectContaining({ reason: "TargetNotFound", attempts: 0, busName: "audio", ...where, targetArn: "arn:old", event: expect.objectContaining({ id: "evt-1" }) }),
    ]);
    expect(engine.deadLetters[0].errorMessage).toBe(`Target ${where.targetId} of rule ${where.ruleName} on event bus audio is no longer defined`);
    expect(journal.size).toBe(0);
  });

  it("does skip a journaled job it cannot read and resume the others when the journal holds garbage", async () => {
    // prepare
    const path = journalPath();
    const earlier = engineWithRule();
    earlier.addTarget({ ruleName: "process", busName: "audio", id: "fn", arn: "arn:fn", invoke: () => new Promise(() => {}), journal: openDeliveryJournal(path) });
    earlier.putEvents([chunkEntry("PENDING", "audio")]);
    earlier.stop();
    appendFileSync(path, `${JSON.stringify({ op: "accepted", id: "bad", payload: { event: "not an event" } })}\n`);
    const engine = engineWithRule();
    const target = recordingTarget();
    const journal = openDeliveryJournal(path);
    engine.addTarget({ ruleName: "process", busName: "audio", id: "fn", arn: "arn:fn", invoke: target.invoke, journal });
    // act
    engine.resume(journal);
    await engine.idle();
    // assess
    expect(journal.skippedLines).toBe(1);
    expect(target.received).toHaveLength(1);
  });
});
