import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAuthService, type AuthService } from "../../local/auth/http-service";
import { LocalUserPools } from "../../local/auth/user-pools";
import { LocalEventBridge } from "../../local/eventbridge/event-bus";
import { startEventBridgeService, type EventBridgeService } from "../../local/eventbridge/http-service";
import { hostileRequest, rawRequest, statusOf } from "./support";

const POOL = "us-east-1_Hardened1";
let events: EventBridgeService;
let auth: AuthService;

beforeAll(async () => {
  events = await startEventBridgeService(new LocalEventBridge(), { port: 0 });
  const pools = new LocalUserPools();
  pools.addPool({ id: POOL, name: "players", clients: [{ id: "client1", name: "game" }] });
  auth = await startAuthService(pools, { port: 0 });
});

afterAll(async () => {
  await events.close();
  await auth.close();
});

const portOf = (url: string) => Number(new URL(url).port);

/** A well-formed PutEvents, answered 200 with one entry, proves the EventBridge front door still serves. */
async function eventsServes(): Promise<void> {
  const response = await fetch(events.url, {
    method: "POST",
    headers: { "X-Amz-Target": "AWSEvents.PutEvents", "Content-Type": "application/x-amz-json-1.1" },
    body: JSON.stringify({ Entries: [{ Source: "game", DetailType: "probe", Detail: "{}" }] }),
  });
  expect(response.status).toBe(200);
  expect(((await response.json()) as { Entries: unknown[] }).Entries).toHaveLength(1);
}

/** A token request answered 200 proves the auth front door still serves. */
async function authServes(): Promise<void> {
  const response = await fetch(`${auth.url}/token`, { method: "POST", body: JSON.stringify({ userPoolId: POOL, username: "probe" }) });
  expect(response.status).toBe(200);
}

describe("local HTTP services facing hostile requests", () => {
  it("does answer the request target // and a body cut short without stopping either service", async () => {
    // act
    const eventsTarget = await rawRequest(portOf(events.url), "POST // HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSEvents.PutEvents\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
    const authTarget = await rawRequest(portOf(auth.url), "GET // HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    await rawRequest(portOf(events.url), "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSEvents.PutEvents\r\nContent-Length: 100\r\n\r\n{\"En", { closeAfterMs: 20 });
    await rawRequest(portOf(auth.url), "POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"us", { resetAfterMs: 5 });
    // assess
    // An empty PutEvents reaches the operation, which refuses it for its missing Entries
    expect(statusOf(eventsTarget)).toBe(400);
    expect(eventsTarget).toContain('"__type":"ValidationException"');
    expect(statusOf(authTarget)).toBe(404);
    await eventsServes();
    await authServes();
  });

  it("does keep the EventBridge service answering whatever request a client sends", async () => {
    await fc.assert(
      fc.asyncProperty(hostileRequest(["/", "//", "*", "/?__proto__=1", "http://x/"]), async ({ bytes, options }) => {
        await rawRequest(portOf(events.url), bytes, options);
        await eventsServes();
      }),
      { numRuns: 150 },
    );
  }, 60_000);

  it("does keep the token and JWKS service answering whatever request a client sends", async () => {
    await fc.assert(
      fc.asyncProperty(hostileRequest(["/token", "//", `/${POOL}/.well-known/jwks.json`, "/%/.well-known/jwks.json", "/__proto__/.well-known/openid-configuration"]), async ({ bytes, options }) => {
        await rawRequest(portOf(auth.url), bytes, options);
        await authServes();
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});
