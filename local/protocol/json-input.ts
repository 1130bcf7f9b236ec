/**
 * Reading the members of a JSON-protocol operation's input as AWS's JSON services do: a member of the wrong JSON type
 * is a SerializationException, a required member that is missing a ValidationException in the services' own words.
 */
import { AwsServiceError, serializationError } from "./aws-json";

export function validationError(message: string): AwsServiceError {
  return new AwsServiceError("ValidationException", message);
}

/** A member that must be there; AWS names it in camelCase in the message (`Entries` is `entries`). */
export function requiredMember<T>(input: Record<string, unknown>, name: string, is: (value: unknown) => value is T): T {
  const value = optionalMember(input, name, is);
  if (value === undefined) {
    const wireName = `${name.charAt(0).toLowerCase()}${name.slice(1)}`;
    throw validationError(`1 validation error detected: Value null at '${wireName}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

/** A member that may be missing (or null); present, it must be of its type. */
export function optionalMember<T>(input: Record<string, unknown>, name: string, is: (value: unknown) => value is T): T | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!is(value)) throw serializationError(`${name} has the wrong type: ${JSON.stringify(value)}`);
  return value;
}

export const isString = (value: unknown): value is string => typeof value === "string";
export const isNumber = (value: unknown): value is number => typeof value === "number";
export const isArray = (value: unknown): value is unknown[] => Array.isArray(value);
export const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every(isString);
