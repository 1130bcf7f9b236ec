// Runs inside a function's worker before its bundle loads: requests to hosts the runtime serves locally
// (the @connections API, token issuers' JWKS) go to the local servers over plain HTTP. The function code is unchanged.
import http from "node:http";
import https from "node:https";
import { syncBuiltinESMExports } from "node:module";

/** @param {Record<string, string>} routes host or host:port -> local base URL (http://127.0.0.1:PORT) */
export function installRouting(routes) {
  const table = new Map(Object.entries(routes).map(([host, target]) => [host.toLowerCase(), new URL(target)]));
  if (table.size === 0) return;

  const localTarget = (hostname, port) =>
    table.get(`${String(hostname).toLowerCase()}:${port ?? 443}`) ?? table.get(String(hostname).toLowerCase());

  // An https.Agent cannot carry plain HTTP: each one the function made gets a twin http.Agent with the same
  // keep-alive and socket bounds, so that a function's pooled connections stay pooled when routed.
  const twins = new WeakMap();
  const httpAgentFor = (agent) => {
    if (!(agent instanceof https.Agent)) return agent === false ? false : undefined;
    let twin = twins.get(agent);
    if (!twin) {
      twin = new http.Agent({ keepAlive: agent.keepAlive, keepAliveMsecs: agent.keepAliveMsecs, maxSockets: agent.maxSockets, maxFreeSockets: agent.maxFreeSockets, maxTotalSockets: agent.maxTotalSockets, scheduling: agent.scheduling });
      twins.set(agent, twin);
    }
    return twin;
  };

  const rewrite = (options, target) => {
    const { agent, protocol: _protocol, host: _host, ...rest } = options;
    const routedAgent = httpAgentFor(agent);
    return { ...rest, ...(routedAgent === undefined ? {} : { agent: routedAgent }), protocol: "http:", hostname: target.hostname, port: target.port };
  };

  const wrap = (original) =>
    function routedRequest(input, options, callback) {
      let url;
      let opts;
      let cb;
      if (typeof input === "string" || input instanceof URL) {
        url = new URL(input);
        if (typeof options === "function") {
          cb = options;
          opts = {};
        } else {
          opts = options ?? {};
          cb = callback;
        }
      } else {
        opts = input ?? {};
        cb = typeof options === "function" ? options : callback;
      }
      const hostname = url?.hostname ?? opts.hostname ?? String(opts.host ?? "").split(":")[0];
      const port = url?.port || opts.port || undefined;
      const target = localTarget(hostname, port);
      if (!target) return original.call(https, input, options, callback);
      const merged = url
        ? { method: "GET", path: `${url.pathname}${url.search}`, headers: { host: url.host }, ...opts }
        : { ...opts, headers: { host: port ? `${hostname}:${port}` : hostname, ...opts.headers } };
      return http.request(rewrite(merged, target), cb);
    };

  const originalRequest = https.request;
  https.request = wrap(originalRequest);
  https.get = function routedGet(input, options, callback) {
    const req = https.request(input, options, callback);
    req.end();
    return req;
  };

  const originalFetch = globalThis.fetch;
  if (originalFetch) {
    globalThis.fetch = (resource, init) => {
      const url = new URL(typeof resource === "string" || resource instanceof URL ? resource : resource.url);
      const target = url.protocol === "https:" ? localTarget(url.hostname, url.port || 443) : undefined;
      if (!target) return originalFetch(resource, init);
      url.protocol = "http:";
      url.hostname = target.hostname;
      url.port = target.port;
      return originalFetch(typeof resource === "string" || resource instanceof URL ? url : new Request(url, resource), init);
    };
  }
  syncBuiltinESMExports();
}
