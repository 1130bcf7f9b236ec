/**
 * A WebSocket client of any stack that speaks JSON, as an independent client would: a token from the runtime's
 * token endpoint, the handshake with it, and every message received, in order. Not a test file itself.
 */
import WebSocket from "ws";
import type { LocalRuntime } from "../../local/runtime";

export type Message = Record<string, unknown>;

export class JsonClient {
  readonly received: Message[] = [];
  private waiters: (() => void)[] = [];

  constructor(readonly socket: WebSocket) {
    socket.on("message", (data) => {
      this.received.push(JSON.parse(String(data)) as Message);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** The first message received that satisfies `predicate`, waiting for it up to `timeoutMs`. */
  async next(predicate: (message: Message) => boolean, timeoutMs = 5000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(predicate);
      if (found) return found;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`No matching message within ${timeoutMs} ms; received ${JSON.stringify(this.received).slice(0, 600)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Messages received whose `field` (the API's message type field) is `type`. */
  ofType(type: string, field = "type"): Message[] {
    return this.received.filter((message) => message[field] === type);
  }

  /** Resolves with the close code once the socket is closed, by either side. */
  closed(): Promise<number> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve(1006);
    return new Promise((resolve) => this.socket.once("close", (code) => resolve(code)));
  }

  async close(): Promise<void> {
    const closed = this.closed();
    this.socket.close();
    await closed;
  }
}

/** An ID token of `username` from the runtime's token endpoint, signed by the pool's local key. */
export async function idToken(runtime: LocalRuntime, userPoolId: string, username: string): Promise<string> {
  const response = await fetch(`${runtime.endpoints.services.auth}/token`, { method: "POST", body: JSON.stringify({ userPoolId, username }) });
  if (!response.ok) throw new Error(`Token request failed with ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { idToken: string }).idToken;
}

/** Opens a WebSocket to `url` with `query` added; rejects with the HTTP status when the handshake is refused. */
export function openJsonClient(url: string, query: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<JsonClient> {
  const target = new URL(url);
  for (const [name, value] of Object.entries(query)) target.searchParams.set(name, value);
  const socket = new WebSocket(target, { headers });
  return new Promise((resolve, reject) => {
    socket.once("open", () => resolve(new JsonClient(socket)));
    socket.once("unexpected-response", (_, response) => reject(Object.assign(new Error(`Handshake refused with ${response.statusCode}`), { status: response.statusCode })));
    socket.once("error", reject);
  });
}
