import { single } from "../model/resource-config";
import { defineService } from "../services/service";
import { openStackJournal } from "../services/stack-journals";
import { openDeliveryJournal, type DeliveryJournal } from "./delivery-journal";
import { LocalEventBridge } from "./event-bus";
import { startEventBridgeService } from "./http-service";

export interface BusModel {
  address: string;
  name: string;
  arn: string;
}

export interface RuleModel {
  address: string;
  name: string;
  busName: string;
  arn: string;
  eventPattern?: string;
  scheduleExpression?: string;
  enabled: boolean;
}

export interface TargetModel {
  address: string;
  ruleName: string;
  busName: string;
  targetId: string;
  arn: string;
  retryPolicy?: { maximumRetryAttempts?: number; maximumEventAgeInSeconds?: number };
  deadLetterArn?: string;
}

export interface EventBridgePart {
  buses: BusModel[];
  rules: RuleModel[];
  targets: TargetModel[];
}

const eventsArn = (region: string, account: string, resource: string) => `arn:aws:events:${region}:${account}:${resource}`;

/** EventBridge: buses, rules (patterns and schedules) and function targets, with retries, dead letters and a journal. */
export const eventBridgeService = defineService({
  name: "EventBridge",
  resourceTypes: ["aws_cloudwatch_event_bus", "aws_cloudwatch_event_rule", "aws_cloudwatch_event_target"],
  computedAttributes: {
    aws_cloudwatch_event_bus: (_, config, s) => ({ id: config("name"), arn: eventsArn(s.region, s.account, `event-bus/${String(config("name"))}`) }),
    aws_cloudwatch_event_rule: (_, config, s) => {
      const bus = config("event_bus_name");
      const path = bus && bus !== "default" ? `rule/${String(bus)}/${String(config("name"))}` : `rule/${String(config("name"))}`;
      return { id: `${String(bus ?? "default")}|${String(config("name"))}`, arn: eventsArn(s.region, s.account, path) };
    },
  },
  model: ({ resolver, evaluated }): EventBridgePart => ({
    buses: resolver.resourcesOf("aws_cloudwatch_event_bus").map(([name, raw]): BusModel => {
      const address = `aws_cloudwatch_event_bus.${name}`;
      return { address, name: resolver.string(raw.name, `${address}.name`), arn: String(resolver.attribute(address, "arn")) };
    }),
    rules: evaluated("aws_cloudwatch_event_rule").map(({ address, config }): RuleModel => ({
      address,
      name: String(config.name),
      busName: String(config.event_bus_name ?? "default"),
      arn: String(resolver.attribute(address, "arn")),
      eventPattern: config.event_pattern ? String(config.event_pattern) : undefined,
      scheduleExpression: config.schedule_expression ? String(config.schedule_expression) : undefined,
      enabled: (config.state ?? "ENABLED") === "ENABLED" && config.is_enabled !== false,
    })),
    targets: evaluated("aws_cloudwatch_event_target").map(({ address, config }): TargetModel => {
      const retry = single<{ maximum_retry_attempts?: number; maximum_event_age_in_seconds?: number }>(config.retry_policy);
      const deadLetter = single<{ arn?: string }>(config.dead_letter_config);
      return {
        address,
        ruleName: String(config.rule),
        busName: String(config.event_bus_name ?? "default"),
        targetId: String(config.target_id ?? address),
        arn: String(config.arn),
        retryPolicy: retry ? { maximumRetryAttempts: retry.maximum_retry_attempts, maximumEventAgeInSeconds: retry.maximum_event_age_in_seconds } : undefined,
        deadLetterArn: deadLetter?.arn,
      };
    }),
  }),
  start: async (context) => {
    const events = new LocalEventBridge({ region: context.region, account: context.account });
    const service = await startEventBridgeService(events, { port: context.takePort() });
    context.log(`[runtime] EventBridge on ${service.url}`);
    events.onDeadLetter((letter) =>
      context.deadLetter(letter, `rule ${letter.ruleName} gave up on target ${letter.targetId} after ${letter.attempts} attempt(s): ${letter.errorMessage}`),
    );
    events.onUnknownBus(({ busName }) => context.log(`[events] event for unknown bus ${busName} dropped, as AWS does`));
    const journals = new Map<string, DeliveryJournal>();
    let rules = 0;
    return {
      engine: events,
      endpoint: { name: "events", url: service.url },
      functionEnvironment: { AWS_ENDPOINT_URL_EVENTBRIDGE: service.url },
      load: ({ model }) => {
        const journal = context.dataDir ? openStackJournal(context.dataDir, model.id, "events.jsonl", openDeliveryJournal, context.log) : undefined;
        if (journal) journals.set(model.id, journal);
        for (const bus of model.buses) events.addBus(bus.name);
        for (const rule of model.rules) {
          events.addRule({ name: rule.name, busName: rule.busName, eventPattern: rule.eventPattern, scheduleExpression: rule.scheduleExpression, state: rule.enabled ? "ENABLED" : "DISABLED" });
        }
        rules += model.rules.length;
        for (const target of model.targets) {
          events.addTarget({
            ruleName: target.ruleName,
            busName: target.busName,
            id: target.targetId,
            arn: target.arn,
            retryPolicy: target.retryPolicy,
            deadLetterArn: target.deadLetterArn,
            journal,
            invoke: async (event) => {
              const fn = [...context.functions.values()].find((candidate) => candidate.arn === target.arn);
              if (!fn) throw new Error(`Target ${target.arn} is not a function the local runtime runs`);
              fn.invokeAsync(event);
            },
          });
        }
      },
      resume: ({ model }) => {
        const journal = journals.get(model.id);
        return journal ? events.resume(journal) : 0;
      },
      begin: () => events.start(),
      summary: () => `${rules} rule(s)`,
      close: async () => {
        events.stop();
        await service.close();
      },
    };
  },
});
