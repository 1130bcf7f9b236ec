/** Picks the route key for a message as API Gateway does: the selection expression's value, or `$default`. */
export function selectRoute(expression: string, body: string, routeKeys: ReadonlySet<string>): string | undefined {
  const path = /^\$request\.body\.(.+)$/.exec(expression)?.[1]?.split(".");
  let key: unknown;
  if (path) {
    try {
      key = path.reduce<unknown>((value, segment) => (value && typeof value === "object" ? (value as Record<string, unknown>)[segment] : undefined), JSON.parse(body));
    } catch {
      key = undefined;
    }
  }
  if (typeof key === "string" && routeKeys.has(key) && !key.startsWith("$")) return key;
  return routeKeys.has("$default") ? "$default" : undefined;
}
