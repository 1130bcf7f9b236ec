/**
 * The local EventBridge engine: buses, rules and targets held in memory; PutEvents routes accepted events to the
 * targets of every enabled rule whose pattern matches; scheduled rules fire while started. A target given a journal
 * has each delivery job journaled before PutEvents answers and marked done once delivered or dead-lettered, and
 * `resume` delivers what a journal still holds after a restart. No HTTP here: the front door is http-service.ts.
 */
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { busNameOf, DEFAULT_BUS, eventBusArn, eventRuleArn } from "./arns";
import { systemClock, type Clock } from "./clock";
import type { DeliveryJournal } from "./delivery-journal";
import { resourceAlreadyExists, resourceNotFound, validationError } from "./errors";
import { parseEventPattern, type CompiledPattern } from "./event-pattern";
import {
  checkEntry,
  checkPutEventsRequest,
  DEFAULT_MAX_ENTRIES_BYTES,
  eventTime,
  type EventBridgeEvent,
  type PutEventsRequestEntry,
  type PutEventsResult,
  type PutEventsResultEntry,
} from "./put-events";
import { parseScheduleExpression } from "./schedule-expression";
import { RuleScheduler } from "./scheduler";
import {
  DEFAULT_MAXIMUM_EVENT_AGE_SECONDS,
  DEFAULT_MAXIMUM_RETRY_ATTEMPTS,
  deliver,
  type Backoff,
  type DeadLetter,
  type DeliveryJob,
  type DeliveryTarget,
  type TargetInvoker,
} from "./target-delivery";
import { testEventPattern } from "./test-event-pattern";

export interface LocalEventBridgeOptions {
  region?: string;
  account?: string;
  /** First retry delay; later ones double, with jitter, up to retryMaxDelayMs. */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Size limit over a PutEvents request's entries; 256 KB unless set. */
  maxEntriesBytes?: number;
  /** AWS accepts and drops events for a bus that does not exist; true fails those entries instead. */
  rejectUnknownBus?: boolean;
  clock?: Clock;
  random?: () => number;
}

export type RuleState = "ENABLED" | "DISABLED";

export interface RuleDefinition {
  name: string;
  /** Defaults to the default bus. */
  busName?: string;
  eventPattern?: string;
  scheduleExpression?: string;
  state?: RuleState;
}

export interface RetryPolicy {
  maximumRetryAttempts?: number;
  maximumEventAgeInSeconds?: number;
}

export interface TargetDefinition {
  ruleName: string;
  busName?: string;
  id: string;
  arn: string;
  invoke: TargetInvoker;
  retryPolicy?: RetryPolicy;
  deadLetterArn?: string;
  /** Where this target's delivery jobs are journaled, so that they survive a restart. @default - held in memory only */
  journal?: DeliveryJournal;
}

export interface EventBusInfo {
  Name: string;
  Arn: string;
}

export interface RuleInfo {
  Name: string;
  Arn: string;
  EventBusName: string;
  EventPattern?: string;
  ScheduleExpression?: string;
  State: RuleState;
}

/** An accepted event whose bus does not exist: dropped, as AWS does, and reported so the runtime can warn. */
export interface UnknownBusEvent {
  busName: string;
  event: EventBridgeEvent;
}

interface Rule {
  name: string;
  busName: string;
  arn: string;
  eventPattern?: string;
  pattern?: CompiledPattern;
  scheduleExpression?: string;
  state: RuleState;
  targets: Map<string, JournaledTarget>;
}

interface JournaledTarget extends DeliveryTarget {
  journal?: DeliveryJournal;
}

export class LocalEventBridge {
  readonly region: string;
  readonly account: string;
  private readonly clock: Clock;
  private readonly backoff: Backoff;
  private readonly maxEntriesBytes: number;
  private readonly rejectUnknownBus: boolean;
  private readonly buses = new Map<string, Map<string, Rule>>([[DEFAULT_BUS, new Map()]]);
  private readonly scheduler: RuleScheduler;
  private readonly emitter = new EventEmitter();
  private readonly deadLetterList: DeadLetter[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = new AbortController();

  constructor(options: LocalEventBridgeOptions = {}) {
    this.region = options.region ?? "us-east-1";
    this.account = options.account ?? "000000000000";
    this.clock = options.clock ?? systemClock;
    this.backoff = {
      baseDelayMs: options.retryBaseDelayMs ?? 100,
      maxDelayMs: options.retryMaxDelayMs ?? 60_000,
      random: options.random ?? Math.random,
    };
    this.maxEntriesBytes = options.maxEntriesBytes ?? DEFAULT_MAX_ENTRIES_BYTES;
    this.rejectUnknownBus = options.rejectUnknownBus ?? false;
    this.scheduler = new RuleScheduler(this.clock);
  }

  /** Events given up on after their retries, oldest first. */
  get deadLetters(): readonly DeadLetter[] {
    return this.deadLetterList;
  }

  arnOf(busName: string): string {
    return eventBusArn(this.region, this.account, busName);
  }

  ruleArn(busName: string, ruleName: string): string {
    return eventRuleArn(this.region, this.account, busName, ruleName);
  }

  addBus(name: string): void {
    if (!/^[/.\-_A-Za-z0-9]{1,256}$/.test(name)) {
      throw validationError(`Event bus name ${JSON.stringify(name)} is not valid`);
    }
    if (this.buses.has(name)) throw resourceAlreadyExists(`Event bus ${name} already exists`);
    this.buses.set(name, new Map());
  }

  /** Adds a rule and returns its ARN; an invalid pattern throws InvalidEventPatternError. */
  addRule(definition: RuleDefinition): string {
    const busName = busNameOf(definition.busName);
    const rules = this.rulesOf(busName);
    const { name, eventPattern, scheduleExpression } = definition;
    if (!/^[.\-_A-Za-z0-9]{1,64}$/.test(name)) throw validationError(`Rule name ${JSON.stringify(name)} is not valid`);
    if (rules.has(name)) throw resourceAlreadyExists(`Rule ${name} already exists on event bus ${busName}`);
    if (eventPattern === undefined && scheduleExpression === undefined) {
      throw validationError(`Rule ${name} needs an EventPattern or a ScheduleExpression`);
    }
    if (scheduleExpression !== undefined && busName !== DEFAULT_BUS) {
      throw validationError(
        `Rule ${name} is on event bus ${busName}: ScheduleExpression is supported only on the default event bus`
      );
    }
    const rule: Rule = {
      name,
      busName,
      arn: this.ruleArn(busName, name),
      eventPattern,
      pattern: eventPattern === undefined ? undefined : parseEventPattern(eventPattern),
      scheduleExpression,
      state: definition.state ?? "ENABLED",
      targets: new Map(),
    };
    const schedule = scheduleExpression === undefined ? undefined : parseScheduleExpression(scheduleExpression);
    rules.set(name, rule);
    if (schedule && rule.state === "ENABLED") {
      this.scheduler.add(rule.arn, schedule, (time) => this.fireSchedule(rule, time));
    }
    return rule.arn;
  }

  addTarget(definition: TargetDefinition): void {
    const busName = busNameOf(definition.busName);
    const rule = this.rulesOf(busName).get(definition.ruleName);
    if (!rule) throw resourceNotFound(`Rule ${definition.ruleName} does not exist on event bus ${busName}`);
    if (rule.targets.has(definition.id)) {
      throw resourceAlreadyExists(`Target ${definition.id} already exists on rule ${rule.name}`);
    }
    const retries = definition.retryPolicy?.maximumRetryAttempts ?? DEFAULT_MAXIMUM_RETRY_ATTEMPTS;
    const maxAge = definition.retryPolicy?.maximumEventAgeInSeconds ?? DEFAULT_MAXIMUM_EVENT_AGE_SECONDS;
    requireInteger("MaximumRetryAttempts", retries, 0, 185);
    requireInteger("MaximumEventAgeInSeconds", maxAge, 60, 86_400);
    rule.targets.set(definition.id, {
      id: definition.id,
      arn: definition.arn,
      invoke: definition.invoke,
      maximumRetryAttempts: retries,
      maximumEventAgeInSeconds: maxAge,
      deadLetterArn: definition.deadLetterArn,
      journal: definition.journal,
    });
  }

  /** PutEvents: answers at once; targets are invoked afterwards (see idle()). */
  putEvents(entries: readonly PutEventsRequestEntry[], options: { now?: number } = {}): PutEventsResult {
    checkPutEventsRequest(entries, this.maxEntriesBytes);
    const now = options.now ?? this.clock.now();
    const results = entries.map((entry) => this.acceptEntry(entry, now));
    return {
      FailedEntryCount: results.filter((result) => "ErrorCode" in result).length,
      Entries: results,
    };
  }

  testEventPattern(pattern: string, event: string): { Result: boolean } {
    return testEventPattern(pattern, event);
  }

  listEventBuses(): EventBusInfo[] {
    return [...this.buses.keys()].map((name) => ({ Name: name, Arn: this.arnOf(name) }));
  }

  listRules(busName?: string): RuleInfo[] {
    return [...this.rulesOf(busNameOf(busName)).values()].map((rule) => ({
      Name: rule.name,
      Arn: rule.arn,
      EventBusName: rule.busName,
      ...(rule.eventPattern === undefined ? {} : { EventPattern: rule.eventPattern }),
      ...(rule.scheduleExpression === undefined ? {} : { ScheduleExpression: rule.scheduleExpression }),
      State: rule.state,
    }));
  }

  /**
   * Delivers the jobs a journal still holds from an earlier run: the same event, to the target with the same bus, rule
   * and target id, its maximum event age counted from the original acceptance. A job whose rule or target is no longer
   * defined (the stack was synthesized again without it) is dead-lettered as TargetNotFound, so it stays on record.
   * Returns how many jobs were resumed.
   */
  resume(journal: DeliveryJournal): number {
    const entries = journal.pending();
    for (const { id, payload } of entries) {
      const rule = this.buses.get(payload.busName)?.get(payload.ruleName);
      const target = rule?.targets.get(payload.targetId);
      if (!rule || !target) {
        this.recordDeadLetter({
          targetId: payload.targetId,
          targetArn: payload.targetArn,
          busName: payload.busName,
          ruleName: payload.ruleName,
          ruleArn: this.ruleArn(payload.busName, payload.ruleName),
          deadLetterArn: undefined,
          event: payload.event,
          errorMessage: `Target ${payload.targetId} of rule ${payload.ruleName} on event bus ${payload.busName} is no longer defined`,
          attempts: 0,
          reason: "TargetNotFound",
          at: new Date(this.clock.now()).toISOString(),
        });
        journal.done(id);
        continue;
      }
      const job: DeliveryJob = { event: payload.event, busName: rule.busName, ruleName: rule.name, ruleArn: rule.arn, target, acceptedAt: payload.acceptedAt };
      this.startDelivery(job, { journal, id });
    }
    return entries.length;
  }

  /** Starts firing scheduled rules. */
  start(): void {
    this.scheduler.start();
  }

  /** Stops schedules and abandons pending retries; invocations already running finish on their own. */
  stop(): void {
    this.scheduler.stop();
    this.stopping.abort();
    this.stopping = new AbortController();
  }

  /** Resolves once no delivery is running or waiting to retry. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Calls the listener for each dead letter; returns a function that unsubscribes it. */
  onDeadLetter(listener: (deadLetter: DeadLetter) => void): () => void {
    return this.subscribe("deadLetter", listener);
  }

  onUnknownBus(listener: (dropped: UnknownBusEvent) => void): () => void {
    return this.subscribe("unknownBus", listener);
  }

  private subscribe<T>(name: string, listener: (value: T) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }

  private rulesOf(busName: string): Map<string, Rule> {
    const rules = this.buses.get(busName);
    if (!rules) throw resourceNotFound(`Event bus ${busName} does not exist`);
    return rules;
  }

  private acceptEntry(entry: PutEventsRequestEntry, now: number): PutEventsResultEntry {
    const check = checkEntry(entry);
    if (!check.ok) return { ErrorCode: check.ErrorCode, ErrorMessage: check.ErrorMessage };
    const busName = busNameOf(entry.EventBusName);
    const rules = this.buses.get(busName);
    if (!rules && this.rejectUnknownBus) {
      return { ErrorCode: "ResourceNotFoundException", ErrorMessage: `Event bus ${busName} does not exist` };
    }
    const event: EventBridgeEvent = {
      version: "0",
      id: randomUUID(),
      "detail-type": entry.DetailType as string,
      source: entry.Source as string,
      account: this.account,
      time: eventTime(entry.Time?.getTime() ?? now),
      region: this.region,
      resources: [...(entry.Resources ?? [])],
      detail: check.detail,
    };
    if (rules) this.route(busName, rules, event, now);
    else this.emitter.emit("unknownBus", { busName, event } satisfies UnknownBusEvent);
    return { EventId: event.id };
  }

  private route(busName: string, rules: Map<string, Rule>, event: EventBridgeEvent, acceptedAt: number): void {
    for (const rule of rules.values()) {
      if (rule.state !== "ENABLED" || !rule.pattern?.matches(event)) continue;
      this.dispatchToTargets(busName, rule, event, acceptedAt);
    }
  }

  private fireSchedule(rule: Rule, scheduledTime: number): void {
    const event: EventBridgeEvent = {
      version: "0",
      id: randomUUID(),
      "detail-type": "Scheduled Event",
      source: "aws.events",
      account: this.account,
      time: eventTime(scheduledTime),
      region: this.region,
      resources: [rule.arn],
      detail: {},
    };
    this.dispatchToTargets(rule.busName, rule, event, this.clock.now());
  }

  private dispatchToTargets(busName: string, rule: Rule, event: EventBridgeEvent, acceptedAt: number): void {
    for (const target of rule.targets.values()) {
      const job: DeliveryJob = { event, busName, ruleName: rule.name, ruleArn: rule.arn, target, acceptedAt };
      const journaled = target.journal && { journal: target.journal, id: randomUUID() };
      journaled?.journal.accept(journaled.id, { event, busName, ruleName: rule.name, targetId: target.id, targetArn: target.arn, acceptedAt });
      this.startDelivery(job, journaled);
    }
  }

  private startDelivery(job: DeliveryJob, journaled?: { journal: DeliveryJournal; id: string }): void {
    const delivery = deliver(job, {
      clock: this.clock,
      backoff: this.backoff,
      signal: this.stopping.signal,
      onDeadLetter: (deadLetter) => this.recordDeadLetter(deadLetter),
    }).then((outcome) => {
      // An abandoned job (the engine stopped) is still owed to its target: it stays in the journal for the next start.
      if (outcome === "abandoned" || !journaled) return;
      try {
        journaled.journal.done(journaled.id);
      } catch {
        // A done record that cannot be written only means the job is delivered again after a restart (at least once)
      }
    });
    this.inFlight.add(delivery);
    void delivery.then(() => this.inFlight.delete(delivery));
  }

  private recordDeadLetter(deadLetter: DeadLetter): void {
    this.deadLetterList.push(deadLetter);
    try {
      this.emitter.emit("deadLetter", deadLetter);
    } catch {
      // A failing listener must not stop the delivery or the resume that gave up on this event
    }
  }
}

function requireInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw validationError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}
