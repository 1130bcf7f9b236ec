/** Sends a function's HTTPS requests to the hosts the runtime serves locally over plain HTTP (see routing.mjs). */
export function installRouting(routes: Record<string, string>): void;
