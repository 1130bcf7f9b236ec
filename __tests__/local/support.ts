import { mkdirSync, writeFileSync } from "node:fs";
import { connect as connectTcp, type Socket } from "node:net";
import { join } from "node:path";
import fc from "fast-check";
import WebSocket from "ws";
import type { FunctionModel } from "../../local/functions/service";

/** A function model whose bundle is `source`, written under `root`. */
export function functionModel(root: string, name: string, source: string, timeoutSeconds = 5): FunctionModel {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "index.mjs"), source);
  return { address: name, name, arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`, invokeArn: "", bundleDir: dir, handler: "index.handler", runtime: "nodejs22.x", roleArn: `arn:aws:iam::000000000000:role/${name}`, timeoutSeconds, memoryMb: 128, environment: {} };
}

/** A WebSocket handshake as a client writes it, with extra header lines appended. */
export function upgradeRequest(target: string, extraHeaders = ""): string {
  return `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extraHeaders}\r\n`;
}

export interface RawOptions {
  /** Reset the connection this many ms after writing, instead of waiting for the answer. */
  resetAfterMs?: number;
  /** Close the connection this many ms after writing. */
  closeAfterMs?: number;
  /** Give up waiting for the server after this long. @default - 3000 */
  timeoutMs?: number;
}

/** Writes raw bytes to a port and gives what came back, once the server closed the connection (or the client did). */
export function rawRequest(port: number, text: string | Buffer, options: RawOptions = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket: Socket = connectTcp(port, "127.0.0.1");
    let answer = "";
    const done = () => resolve(answer);
    socket.on("data", (chunk) => (answer += chunk.toString("latin1")));
    socket.on("error", done);
    socket.on("close", done);
    socket.on("connect", () => {
      socket.write(text);
      if (options.resetAfterMs !== undefined) setTimeout(() => socket.resetAndDestroy(), options.resetAfterMs);
      if (options.closeAfterMs !== undefined) setTimeout(() => socket.destroy(), options.closeAfterMs);
    });
    setTimeout(() => {
      socket.destroy();
      done();
    }, options.timeoutMs ?? 3000).unref();
  });
}

/** The status code of a raw HTTP answer, or 0 when there was none. */
export function statusOf(answer: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
}

/** Opens a WebSocket; rejects with the status when the handshake is refused. */
export function openSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once("open", () => resolve(socket));
    socket.once("unexpected-response", (_, response) => reject(Object.assign(new Error(`status ${response.statusCode}`), { status: response.statusCode })));
    socket.once("error", reject);
  });
}

/** Polls until `check` holds, or fails with `what` after `timeoutMs`. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Requests a hostile client could send to any local front door: odd request lines and targets, header names that are
 * Object.prototype members, bad percent-escapes, lying Content-Lengths, bodies cut short and connections reset.
 */
export function hostileRequest(paths: readonly string[]): fc.Arbitrary<{ bytes: Buffer; options: RawOptions }> {
  const token = fc.stringMatching(/^[!-~]{0,12}$/);
  const headerName = fc.oneof(
    fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", "x-api-key", "Authorization", "X-Amz-Target", "Sec-WebSocket-Key", "Upgrade", "Content-Length", "Transfer-Encoding"),
    fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,20}$/),
  );
  const headerValue = fc.oneof(token, fc.string({ maxLength: 40 }), fc.constantFrom("websocket", "13", "-1", "99999999999999999999", "chunked", "AWSEvents.PutEvents", "AWSEvents.__proto__"));
  const queryPart = fc.oneof(fc.constantFrom("__proto__=1", "constructor", "toString=x", "token=good", "%", "%E0%A4%A", "=", "&&", "a=%zz"), fc.stringMatching(/^[!-~]{0,16}$/));
  const path = fc.oneof(fc.constantFrom(...paths), fc.stringMatching(/^\/[!-~]{0,24}$/));
  const method = fc.constantFrom("GET", "POST", "DELETE", "PUT", "OPTIONS", "HEAD", "PATCH", "CONNECT", "G\u00e9T", "");
  const body = fc.oneof(
    fc.constant(""),
    fc.string({ maxLength: 64 }),
    fc.constantFrom("{", "[]", "null", '{"__proto__":{"x":1}}', '{"constructor":1}', '{"Entries":"x"}', '{"userPoolId":{},"username":[]}'),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
  );
  return fc
    .record({
      method,
      path,
      query: fc.array(queryPart, { maxLength: 4 }),
      upgrade: fc.boolean(),
      headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 6 }),
      body,
      ending: fc.constantFrom("whole", "reset", "cut"),
    })
    .map((input) => {
      const target = input.query.length > 0 ? `${input.path}?${input.query.join("&")}` : input.path;
      const head = input.upgrade ? upgradeRequest(target).replace(/^GET/, input.method).replace(/\r\n$/, "") : `${input.method} ${target} HTTP/1.1\r\nHost: x\r\n`;
      const lines = input.headers.map(([name, value]) => `${name}: ${value.replace(/[\r\n]/g, " ")}\r\n`).join("");
      const text = `${head}${lines}Content-Length: ${Buffer.byteLength(input.body, "latin1")}\r\n\r\n${input.body}`;
      const bytes = Buffer.from(input.ending === "cut" ? text.slice(0, Math.max(1, text.length - 3)) : text, "latin1");
      const options: RawOptions = input.ending === "reset" ? { resetAfterMs: 0 } : input.ending === "cut" ? { closeAfterMs: 5 } : { timeoutMs: 100 };
      return { bytes, options };
    });
}
