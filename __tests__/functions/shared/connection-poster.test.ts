import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { broadcast } from "../../../functions/shared/broadcaster";
import { ConnectionPoster, PostToConnectionError } from "../../../functions/shared/connection-poster";
import { installRouting } from "../../../local/functions/routing.mjs";

const HOST = "poster123.execute-api.eu-west-1.amazonaws.com";
const ENDPOINT = `https://${HOST}/prod`;
const credentials = { accessKeyId: "AKIDPOSTERTEST", secretAccessKey: "poster-secret", sessionToken: "poster-session-token" };

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
  socket: string;
}

interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Drop the socket instead of answering: a network error on the client's side. */
  reset?: boolean;
  delayMs?: number;
}

let server: Server;
let received: Received[] = [];
let answer: (request: Received) => Reply = () => ({ status: 200 });
let inFlight = 0;
let maxInFlight = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const entry: Received = { method: request.method!, url: request.url!, headers: request.headers, body: Buffer.concat(chunks), socket: `${request.socket.remotePort}` };
      received.push(entry);
      const reply = answer(entry);
      setTimeout(() => {
        inFlight -= 1;
        if (reply.reset) {
          request.socket.destroy();
          return;
        }
        response.writeHead(reply.status, reply.headers ?? {}).end(reply.body ?? "");
      }, reply.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  installRouting({ [HOST]: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

beforeEach(() => {
  received = [];
  answer = () => ({ status: 200 });
  inFlight = 0;
  maxInFlight = 0;
});

const fastRetries = () => new ConfiguredRetryStrategy(3, 1);
const poster = (options: ConstructorParameters<typeof ConnectionPoster>[1] = {}) =>
  new ConnectionPoster(ENDPOINT, { region: "eu-west-1", credentials: async () => credentials, retryStrategy: fastRetries(), ...options });
const goneAnswer: Reply = { status: 410, headers: { "x-amzn-ErrorType": "GoneException" }, body: '{"message":"Connection is gone"}' };

/** Signs the request the server received again, with the same signer and date, over the headers it says it signed. */
async function resign(request: Received, signingCredentials = credentials): Promise<string> {
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(String(request.headers.authorization))![1].split(";");
  const amzDate = String(request.headers["x-amz-date"]);
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  const signer = new SignatureV4({ service: "execute-api", region: "eu-west-1", credentials: signingCredentials, sha256: Sha256, applyChecksum: false });
  const headers = Object.fromEntries(signedHeaders.filter((name) => name !== "authorization").map((name) => [name, String(request.headers[name])]));
  const signed = await signer.sign({ method: request.method, protocol: "https:", hostname: HOST, path: request.url, query: {}, headers, body: request.body }, { signingDate });
  return String(signed.headers.authorization);
}

describe("ConnectionPoster", () => {
  it("does send the SDK's POST to the connection's @connections path with the data as the body", async () => {
    // prepare
    const connectionId = "Ab/c=+d==";
    // act
    const outcome = await poster().post(connectionId, '{"action":"audio"}');
    // assess
    expect(outcome).toBe("delivered");
    expect(received).toHaveLength(1);
    expect(received[0].method).toBe("POST");
    expect(received[0].url).toBe(`/prod/@connections/${encodeURIComponent(connectionId)}`);
    expect(received[0].headers.host).toBe(HOST);
    expect(received[0].body.toString()).toBe('{"action":"audio"}');
  });

  it("does sign for execute-api in the function's region with a signature the same signer verifies", async () => {
    // act
    await poster().post("conn-1", new Uint8Array([1, 2, 3]));
    // assess
    const [request] = received;
    const date = String(request.headers["x-amz-date"]).slice(0, 8);
    expect(request.headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=AKIDPOSTERTEST/${date}/eu-west-1/execute-api/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$`));
    expect(request.headers["x-amz-security-token"]).toBe("poster-session-token");
    expect(await resign(request)).toBe(request.headers.authorization);
    expect(await resign(request, { ...credentials, secretAccessKey: "another-secret" })).not.toBe(request.headers.authorization);
  });

  it("does ask the credential provider again for each post, so that refreshed credentials are used once they change", async () => {
    // prepare
    const second = { accessKeyId: "AKIDROTATED", secretAccessKey: "rotated-secret", sessionToken: "rotated-token" };
    const provider = vi.fn().mockResolvedValueOnce(credentials).mockResolvedValue(second);
    const rotating = poster({ credentials: provider });
    // act
    await rotating.post("conn-1", "one");
    await rotating.post("conn-1", "two");
    // assess
    expect(received.map((request) => request.headers["x-amz-security-token"])).toEqual(["poster-session-token", "rotated-token"]);
    expect(await resign(received[1], second)).toBe(received[1].headers.authorization);
  });

  it("does answer gone after one request when the connection answers 410", async () => {
    // prepare
    answer = () => goneAnswer;
    // act
    const outcome = await poster().post("stale", "x");
    // assess
    expect(outcome).toBe("gone");
    expect(received).toHaveLength(1);
  });

  it.each([500, 502, 503, 504, 429])("does retry and deliver when the first post answers %i", async (status) => {
    // prepare
    answer = () => (received.length === 1 ? { status, body: '{"message":"try again"}' } : { status: 200 });
    // act
    const outcome = await poster().post("conn-1", "x");
    // assess
    expect(outcome).toBe("delivered");
    expect(received).toHaveLength(2);
    expect(received[1].headers.authorization).toBeDefined();
  });

  it("does retry and deliver when the first post's socket is dropped before an answer", async () => {
    // prepare
    answer = () => (received.length === 1 ? { status: 0, reset: true } : { status: 200 });
    // act
    const outcome = await poster().post("conn-1", "x");
    // assess
    expect(outcome).toBe("delivered");
    expect(received).toHaveLength(2);
  });

  it("does give up with the last status after three attempts when every post answers 500", async () => {
    // prepare
    answer = () => ({ status: 500, headers: { "x-amzn-ErrorType": "InternalServerErrorException" }, body: '{"message":"boom"}' });
    // act
    const failure = await poster().post("conn-1", "x").catch((error: unknown) => error);
    // assess
    expect(failure).toBeInstanceOf(PostToConnectionError);
    expect(failure).toMatchObject({ statusCode: 500, code: "InternalServerErrorException", connectionId: "conn-1" });
    expect(received).toHaveLength(3);
  });

  it.each([
    [403, "ForbiddenException"],
    [413, "PayloadTooLargeException"],
  ])("does fail without a retry when the post answers %i", async (status, code) => {
    // prepare
    answer = () => ({ status, headers: { "x-amzn-ErrorType": code }, body: '{"message":"no"}' });
    // act
    const failure = await poster().post("conn-1", "x").catch((error: unknown) => error);
    // assess
    expect(failure).toMatchObject({ statusCode: status, code });
    expect(received).toHaveLength(1);
  });

  it("does reuse one kept-alive socket for posts made one after another", async () => {
    // prepare
    const keptAlive = poster();
    // act
    for (let index = 0; index < 5; index++) await keptAlive.post(`conn-${index}`, "x");
    // assess
    expect(new Set(received.map((request) => request.socket)).size).toBe(1);
    expect(received.every((request) => request.headers.connection === "keep-alive")).toBe(true);
    keptAlive.destroy();
  });

  it("does hold at most maxSockets posts in flight when more are made at once", async () => {
    // prepare
    answer = () => ({ status: 200, delayMs: 5 });
    const bounded = poster({ maxSockets: 3 });
    // act
    await Promise.all(Array.from({ length: 12 }, (_, index) => bounded.post(`conn-${index}`, "x")));
    // assess
    expect(received).toHaveLength(12);
    expect(maxInFlight).toBe(3);
    expect(new Set(received.map((request) => request.socket)).size).toBe(3);
    bounded.destroy();
  });

  it("does refuse an endpoint that is not https when it is constructed", () => {
    // act + assess
    expect(() => new ConnectionPoster("http://example.com/prod", { region: "eu-west-1" })).toThrow("Management endpoint http://example.com/prod is not https");
  });
});

type Plan = "delivered" | "gone" | "forbidden" | "flaky" | "down";

describe("broadcast through a ConnectionPoster", () => {
  it("does count each recipient's outcome, hand exactly the gone ones to onGone and keep the bound when recipients and answers vary", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom<Plan>("delivered", "gone", "forbidden", "flaky", "down")), { selector: ([id]) => id, maxLength: 30 }),
        fc.integer({ min: 1, max: 8 }),
        async (plans, concurrency) => {
          // prepare
          received = [];
          maxInFlight = 0;
          const plan = new Map(plans);
          const attempts = new Map<string, number>();
          answer = (request) => {
            const id = decodeURIComponent(request.url.split("/@connections/")[1]);
            const attempt = (attempts.get(id) ?? 0) + 1;
            attempts.set(id, attempt);
            switch (plan.get(id)) {
              case "gone":
                return goneAnswer;
              case "forbidden":
                return { status: 403 };
              case "flaky":
                return attempt === 1 ? { status: 503 } : { status: 200 };
              case "down":
                return { status: 500 };
              default:
                return { status: 200, delayMs: 1 };
            }
          };
          const sender = poster();
          const goneSeen: string[] = [];
          // act
          const result = await broadcast({ post: sender.asPost, recipients: [...plan.keys()], payload: { n: 1 }, concurrency, onGone: async (id) => void goneSeen.push(id) });
          // assess
          const count = (...kinds: Plan[]) => plans.filter(([, kind]) => kinds.includes(kind)).length;
          expect(result).toEqual({ delivered: count("delivered", "flaky"), gone: count("gone"), failed: count("forbidden", "down") });
          expect(goneSeen.sort()).toEqual(plans.filter(([, kind]) => kind === "gone").map(([id]) => id).sort());
          for (const [id, kind] of plans) expect(attempts.get(id)).toBe({ delivered: 1, gone: 1, forbidden: 1, flaky: 2, down: 3 }[kind]);
          expect(maxInFlight).toBeLessThanOrEqual(concurrency);
          sender.destroy();
        },
      ),
      { numRuns: 40 },
    );
  });
});
