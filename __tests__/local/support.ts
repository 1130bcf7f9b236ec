import { mkdirSync, writeFileSync } from "node:fs";
import { connect as connectTcp, type Socket } from "node:net";
import { join } from "node:path";
import WebSocket from "ws";
import type { FunctionModel } from "../../local/model/stack-model";

/** A function model whose bundle is `source`, written under `root`. */
export function functionModel(root: string, name: string, source: string, timeoutSeconds = 5): FunctionModel {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "index.mjs"), source);
  return { address: name, name, arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`, invokeArn: "", bundleDir: dir, handler: "index.handler", runtime: "nodejs22.x", timeoutSeconds, memoryMb: 128, environment: {} };
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
