/**
 * Schedule expressions of scheduled rules: `rate(value unit)` and `cron(...)`, as in the EventBridge user guide
 * ("Creating a rule that runs on a schedule"). A rate fires every period from the moment it is armed.
 */
import { parseCronExpression, type Schedule } from "./cron-expression";
import { validationError } from "./errors";

export type { Schedule } from "./cron-expression";

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export function parseScheduleExpression(expression: string): Schedule {
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) return parseCronExpression(cron[1], expression);
  const rate = /^rate\((.*)\)$/.exec(expression);
  if (rate) return parseRate(rate[1], expression);
  throw invalid(expression, "expected rate(...) or cron(...)");
}

function parseRate(body: string, expression: string): Schedule {
  const match = /^(\d+) (minute|hour|day)(s?)$/.exec(body.trim());
  if (!match) throw invalid(expression, "expected rate(value unit) with unit minute(s), hour(s) or day(s)");
  const value = Number(match[1]);
  if (value < 1) throw invalid(expression, "the value must be a positive integer");
  // AWS refuses rate(1 minutes) and rate(5 minute)
  if ((value === 1) !== (match[3] === "")) {
    throw invalid(expression, "the unit must be singular for 1 and plural otherwise");
  }
  const periodMs = value * UNIT_MS[match[2]];
  return { next: (afterMs) => afterMs + periodMs };
}

function invalid(expression: string, reason: string) {
  return validationError(`Schedule expression ${expression} is not valid: ${reason}`);
}
