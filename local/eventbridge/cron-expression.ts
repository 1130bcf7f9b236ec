/**
 * EventBridge cron expressions: `cron(minutes hours day-of-month month day-of-week year)`, evaluated in UTC, as the
 * EventBridge user guide ("Cron expressions") describes them. Fields take `,` lists, `-` ranges, `*`, and `/` steps;
 * one of day-of-month and day-of-week must be `?`; day-of-month also takes `L`, `LW` and `nW`, day-of-week `nL`
 * and `n#k`. Day-of-week counts 1 = SUN to 7 = SAT.
 */
import { validationError } from "./errors";

export interface Schedule {
  /** The first fire time strictly after `afterMs` (epoch milliseconds), or undefined when there is none. */
  next(afterMs: number): number | undefined;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MINUTES: FieldSpec = { name: "minutes", min: 0, max: 59 };
const HOURS: FieldSpec = { name: "hours", min: 0, max: 23 };
const DAY_OF_MONTH: FieldSpec = { name: "day-of-month", min: 1, max: 31 };
const MONTH: FieldSpec = {
  name: "month",
  min: 1,
  max: 12,
  names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
};
const DAY_OF_WEEK: FieldSpec = {
  name: "day-of-week",
  min: 1,
  max: 7,
  names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
};
const YEAR: FieldSpec = { name: "year", min: 1970, max: 2199 };

/** Tells whether a calendar day (month 1-12) is one the expression fires on. */
type DayTest = (year: number, month: number, day: number) => boolean;

/** Parses the six fields inside `cron(...)`; `expression` is the whole text, for error messages. */
export function parseCronExpression(fields: string, expression: string): Schedule {
  const parts = fields.trim().split(/\s+/);
  if (parts.length !== 6) {
    throw invalid(expression, `expected 6 fields, got ${parts.length}`);
  }
  const [minuteText, hourText, dayOfMonthText, monthText, dayOfWeekText, yearText] = parts;
  const minutes = parseField(minuteText, MINUTES, expression);
  const hours = parseField(hourText, HOURS, expression);
  const months = parseField(monthText, MONTH, expression);
  const years = parseField(yearText, YEAR, expression);
  const dayTest = parseDays(dayOfMonthText, dayOfWeekText, expression);
  return { next: (afterMs) => nextFireTime(afterMs, { minutes, hours, months, years, dayTest }) };
}

interface CronFields {
  minutes: number[];
  hours: number[];
  months: number[];
  years: number[];
  dayTest: DayTest;
}

function nextFireTime(afterMs: number, fields: CronFields): number | undefined {
  const start = Math.floor(afterMs / 60_000) * 60_000 + 60_000;
  const startDay = Date.UTC(...utcDate(start));
  for (const year of fields.years) {
    if (Date.UTC(year + 1, 0, 1) <= start) continue;
    for (const month of fields.months) {
      if (Date.UTC(year, month, 1) <= start) continue;
      for (let day = 1; day <= daysInMonth(year, month); day++) {
        if (Date.UTC(year, month - 1, day) < startDay || !fields.dayTest(year, month, day)) continue;
        for (const hour of fields.hours) {
          for (const minute of fields.minutes) {
            const time = Date.UTC(year, month - 1, day, hour, minute);
            if (time >= start) return time;
          }
        }
      }
    }
  }
  return undefined;
}

function utcDate(time: number): [number, number, number] {
  const date = new Date(time);
  return [date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()];
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** 1 = Sunday ... 7 = Saturday, as in EventBridge. */
function dayOfWeek(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

// ---------------------------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------------------------

/** A list of `*`, values, ranges and steps, as the sorted values it allows. */
function parseField(text: string, spec: FieldSpec, expression: string): number[] {
  const values = new Set<number>();
  for (const token of text.split(",")) {
    const [base, stepText, extra] = token.split("/");
    if (extra !== undefined) throw invalidField(expression, spec, token, "more than one /");
    const step = stepText === undefined ? 1 : parseStep(stepText, spec, token, expression);
    const [from, to] = parseBase(base, stepText !== undefined, spec, token, expression);
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

function parseBase(
  base: string,
  stepped: boolean,
  spec: FieldSpec,
  token: string,
  expression: string
): [number, number] {
  if (base === "*") return [spec.min, spec.max];
  const [fromText, toText, extra] = base.split("-");
  if (extra !== undefined) throw invalidField(expression, spec, token, "more than one -");
  const from = parseValue(fromText, spec, token, expression);
  // "5/15" means every 15 from 5 to the end of the range
  if (toText === undefined) return [from, stepped ? spec.max : from];
  const to = parseValue(toText, spec, token, expression);
  if (from > to) throw invalidField(expression, spec, token, "the range start is after its end");
  return [from, to];
}

function parseStep(text: string, spec: FieldSpec, token: string, expression: string): number {
  const step = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(step >= 1)) throw invalidField(expression, spec, token, "the step must be a positive integer");
  return step;
}

function parseValue(text: string, spec: FieldSpec, token: string, expression: string): number {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  const value = named >= 0 ? named + spec.min : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= spec.min && value <= spec.max)) {
    throw invalidField(expression, spec, token, `values must be ${spec.min}-${spec.max}`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Days: day-of-month and day-of-week, exactly one of them `?`
// ---------------------------------------------------------------------------------------------

function parseDays(dayOfMonth: string, dayOfWeek: string, expression: string): DayTest {
  if ((dayOfMonth === "?") === (dayOfWeek === "?")) {
    throw invalid(expression, "exactly one of day-of-month and day-of-week must be ?");
  }
  return dayOfMonth === "?" ? parseDayOfWeek(dayOfWeek, expression) : parseDayOfMonth(dayOfMonth, expression);
}

function parseDayOfMonth(text: string, expression: string): DayTest {
  const upper = text.toUpperCase();
  if (upper === "L") return (year, month, day) => day === daysInMonth(year, month);
  if (upper === "LW") return (year, month, day) => day === lastWeekday(year, month);
  const weekday = /^(\d+)W$/.exec(upper);
  if (weekday) {
    const target = parseValue(weekday[1], DAY_OF_MONTH, text, expression);
    return (year, month, day) => day === nearestWeekday(year, month, target);
  }
  const days = new Set(parseField(text, DAY_OF_MONTH, expression));
  return (_year, _month, day) => days.has(day);
}

function parseDayOfWeek(text: string, expression: string): DayTest {
  const upper = text.toUpperCase();
  const last = /^(\w+)L$/.exec(upper);
  if (last) {
    const weekday = parseValue(last[1], DAY_OF_WEEK, text, expression);
    return (year, month, day) => dayOfWeek(year, month, day) === weekday && day + 7 > daysInMonth(year, month);
  }
  const nth = /^(\w+)#(\d+)$/.exec(upper);
  if (nth) {
    const weekday = parseValue(nth[1], DAY_OF_WEEK, text, expression);
    const occurrence = Number(nth[2]);
    if (occurrence < 1 || occurrence > 5) throw invalidField(expression, DAY_OF_WEEK, text, "# takes 1-5");
    return (year, month, day) => dayOfWeek(year, month, day) === weekday && Math.ceil(day / 7) === occurrence;
  }
  const weekdays = new Set(parseField(text, DAY_OF_WEEK, expression));
  return (year, month, day) => weekdays.has(dayOfWeek(year, month, day));
}

function lastWeekday(year: number, month: number): number {
  let day = daysInMonth(year, month);
  while (isWeekend(year, month, day)) day--;
  return day;
}

/** `nW`: the weekday nearest to day n, without leaving the month. */
function nearestWeekday(year: number, month: number, target: number): number {
  const last = daysInMonth(year, month);
  const day = Math.min(target, last);
  const weekday = dayOfWeek(year, month, day);
  if (weekday === 7) return day === 1 ? 3 : day - 1;
  if (weekday === 1) return day === last ? day - 2 : day + 1;
  return day;
}

function isWeekend(year: number, month: number, day: number): boolean {
  const weekday = dayOfWeek(year, month, day);
  return weekday === 1 || weekday === 7;
}

function invalid(expression: string, reason: string) {
  return validationError(`Schedule expression ${expression} is not valid: ${reason}`);
}

function invalidField(expression: string, spec: FieldSpec, token: string, reason: string) {
  return invalid(expression, `${spec.name} field "${token}": ${reason}`);
}
