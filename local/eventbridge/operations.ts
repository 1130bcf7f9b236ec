/**
 * One action per EventBridge operation the local runtime answers: each checks its JSON input the way AWS's JSON
 * protocol does (wrong types are a SerializationException, missing members a ValidationException) and calls the
 * engine. Operations not listed here are answered as not implemented by the front door.
 */
import { isJsonObject as isObject } from "../protocol/aws-json";
import { isArray, isNumber, isString, isStringArray, optionalMember as optional, requiredMember } from "../protocol/json-input";
import { EventBridgeError, validationError } from "./errors";
import type { LocalEventBridge } from "./event-bus";
import type { PutEventsRequestEntry } from "./put-events";

export type Operation = (engine: LocalEventBridge, input: Record<string, unknown>) => unknown;

export const operations: Readonly<Record<string, Operation>> = {
  PutEvents: (engine, input) => {
    if (input.EndpointId !== undefined) {
      throw validationError(
        `EndpointId (global endpoints) is not implemented by the local runtime, got ${JSON.stringify(input.EndpointId)}`
      );
    }
    const entries = requiredMember(input, "Entries", isArray).map(toEntry);
    return engine.putEvents(entries);
  },

  TestEventPattern: (engine, input) => {
    const pattern = requiredMember(input, "EventPattern", isString);
    if (pattern.length > 4096) {
      throw validationError(`EventPattern must be at most 4096 characters, got ${pattern.length}`);
    }
    return engine.testEventPattern(pattern, requiredMember(input, "Event", isString));
  },

  ListEventBuses: (engine, input) => {
    const prefix = optional(input, "NamePrefix", isString) ?? "";
    const buses = engine.listEventBuses().filter((bus) => bus.Name.startsWith(prefix));
    const { items, nextToken } = page(buses, input);
    return { EventBuses: items, ...(nextToken === undefined ? {} : { NextToken: nextToken }) };
  },

  ListRules: (engine, input) => {
    const prefix = optional(input, "NamePrefix", isString) ?? "";
    const rules = engine
      .listRules(optional(input, "EventBusName", isString))
      .filter((rule) => rule.Name.startsWith(prefix));
    const { items, nextToken } = page(rules, input);
    return { Rules: items, ...(nextToken === undefined ? {} : { NextToken: nextToken }) };
  },
};

function toEntry(value: unknown, index: number): PutEventsRequestEntry {
  if (!isObject(value)) throw serialization(`Entries[${index}] must be an object, got ${JSON.stringify(value)}`);
  return {
    Source: optional(value, "Source", isString),
    DetailType: optional(value, "DetailType", isString),
    Detail: optional(value, "Detail", isString),
    EventBusName: optional(value, "EventBusName", isString),
    Resources: optional(value, "Resources", isStringArray),
    Time: toTime(value.Time),
  };
}

/** The SDKs send timestamps as epoch seconds; ISO text is accepted too. */
function toTime(value: unknown): Date | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number") return new Date(value * 1000);
  if (typeof value === "string" && !Number.isNaN(Date.parse(value))) return new Date(value);
  throw serialization(`Time must be epoch seconds or an ISO 8601 time, got ${JSON.stringify(value)}`);
}

/** NextToken is the offset of the next page, as text. */
function page<T>(all: T[], input: Record<string, unknown>): { items: T[]; nextToken?: string } {
  const limit = optional(input, "Limit", isNumber) ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw validationError(`Limit must be an integer from 1 to 100, got ${limit}`);
  }
  const token = optional(input, "NextToken", isString);
  const start = token === undefined ? 0 : Number(token);
  if (!Number.isInteger(start) || start < 0) {
    throw validationError(`NextToken is not valid, got ${JSON.stringify(token)}`);
  }
  const end = start + limit;
  return { items: all.slice(start, end), nextToken: end < all.length ? String(end) : undefined };
}

export function serialization(message: string): EventBridgeError {
  return new EventBridgeError("SerializationException", message);
}
