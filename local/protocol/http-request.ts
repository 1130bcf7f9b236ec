/**
 * Request data as the local front doors read it. Every map keyed by a client's names has no prototype, so a header
 * or query parameter called `__proto__`, `constructor` or `toString` is data like any other, never a property of
 * Object.prototype. Nothing here throws on malformed input.
 */

/** A record without a prototype: safe to key by names a client chose. */
export type SafeRecord<T> = Record<string, T>;

export function safeRecord<T>(): SafeRecord<T> {
  return Object.create(null) as SafeRecord<T>;
}

export interface RequestHeaders {
  /** The first value of each header, by its name as sent. */
  headers: SafeRecord<string>;
  /** Every value of each header, by its name as sent. */
  multiValueHeaders: SafeRecord<string[]>;
}

/** Headers as API Gateway hands them to a function: names as the client sent them, the first value and all values. */
export function requestHeaders(rawHeaders: readonly string[]): RequestHeaders {
  const headers = safeRecord<string>();
  const multiValueHeaders = safeRecord<string[]>();
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index];
    const value = rawHeaders[index + 1];
    if (!Object.hasOwn(headers, name)) headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  return { headers, multiValueHeaders };
}

/** A header's first value, with the name matched case-insensitively. */
export function headerValue(headers: SafeRecord<string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === wanted) return headers[key];
  return undefined;
}

export interface QueryParameters {
  /** The last value of each parameter, as API Gateway's `queryStringParameters` holds it. */
  single: SafeRecord<string>;
  multi: SafeRecord<string[]>;
}

export interface RequestTarget {
  /** The path, still percent-encoded, always starting with `/`. */
  path: string;
  query: QueryParameters;
}

/**
 * Splits a request target (`/live?channel=a`, `//`, `*`, or the absolute form `http://host/live`) into its path and
 * query without the URL parser, which throws on targets such as `//` that a client may send.
 */
export function parseRequestTarget(target: string | undefined): RequestTarget {
  let rest = target ?? "/";
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(rest);
  if (absolute) rest = rest.slice(absolute[0].length);
  const hash = rest.indexOf("#");
  if (hash >= 0) rest = rest.slice(0, hash);
  const mark = rest.indexOf("?");
  const rawPath = mark >= 0 ? rest.slice(0, mark) : rest;
  const rawQuery = mark >= 0 ? rest.slice(mark + 1) : "";
  const query: QueryParameters = { single: safeRecord(), multi: safeRecord() };
  // URLSearchParams leaves malformed percent-escapes as they are instead of throwing.
  for (const [key, value] of new URLSearchParams(rawQuery)) {
    query.single[key] = value;
    (query.multi[key] ??= []).push(value);
  }
  return { path: rawPath.startsWith("/") ? rawPath : `/${rawPath}`, query };
}

/** decodeURIComponent that answers undefined for malformed escapes (`%`, `%E0%A4%A`) instead of throwing. */
export function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
