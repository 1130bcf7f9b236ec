import type { IncomingMessage } from "node:http";

export interface UpgradeRefusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

// RFC 6455 4.1: the key is 16 random bytes in base64.
const KEY = /^[+/0-9A-Za-z]{22}==$/;
// RFC 7230 3.2.6: a subprotocol is a token.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Whether a request is a WebSocket handshake the gateway can complete, checked before any function runs, so that an
 * upgrade refused for its form never leaves a `$connect` behind. The same checks, in the same order, as `ws` makes
 * when it completes the upgrade.
 */
export function checkUpgrade(request: IncomingMessage): UpgradeRefusal | undefined {
  // Node's parsed headers, read by fixed lower-case names, exactly as ws reads them.
  const { headers } = request;
  if (request.method !== "GET") return { status: 405, message: `Invalid HTTP method ${request.method}: a WebSocket handshake is a GET` };
  const upgrade = headers.upgrade;
  if (upgrade?.toLowerCase() !== "websocket") return { status: 400, message: `Invalid Upgrade header ${JSON.stringify(upgrade ?? null)}: expected websocket` };
  const key = headers["sec-websocket-key"];
  if (key === undefined || !KEY.test(key)) return { status: 400, message: "Missing or invalid Sec-WebSocket-Key header" };
  const version = headers["sec-websocket-version"];
  if (Number(version) !== 13 && Number(version) !== 8) {
    return { status: 400, message: `Missing or invalid Sec-WebSocket-Version header ${JSON.stringify(version ?? null)}`, headers: { "Sec-WebSocket-Version": "13, 8" } };
  }
  const protocols = headers["sec-websocket-protocol"];
  if (protocols !== undefined) {
    const names = protocols.split(",").map((name) => name.trim());
    if (names.some((name) => !TOKEN.test(name)) || new Set(names).size !== names.length) {
      return { status: 400, message: `Invalid Sec-WebSocket-Protocol header ${JSON.stringify(protocols)}` };
    }
  }
  return undefined;
}
