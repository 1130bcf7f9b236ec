import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
// ws checks only whole-message size; API Gateway also closes (1009) on a single frame over 32 KB.
const { Receiver } = require("ws") as {
  Receiver: { prototype: { haveLength(cb: (error?: Error) => void): void } };
};

interface FrameLimitedReceiver {
  _maxFramePayload?: number;
  _payloadLength: number;
  _opcode: number;
  createError(type: typeof RangeError, message: string, prefix: boolean, statusCode: number, code: string): Error;
}

let installed = false;

/** Makes ws enforce a per-frame payload limit on receivers that carry `_maxFramePayload`. */
export function installFrameLimit(): void {
  if (installed) return;
  installed = true;
  const original = Receiver.prototype.haveLength;
  Receiver.prototype.haveLength = function haveLength(this: FrameLimitedReceiver, cb: (error?: Error) => void) {
    if (this._maxFramePayload && this._opcode < 0x08 && this._payloadLength > this._maxFramePayload) {
      cb(this.createError(RangeError, "Frame size exceeded", false, 1009, "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH"));
      return;
    }
    original.call(this, cb);
  };
}

/** Sets the frame limit on one server-side connection. */
export function limitFrames(socket: object, maxFramePayload: number): void {
  const receiver = (socket as { _receiver?: FrameLimitedReceiver })._receiver;
  if (!receiver) throw new Error("WebSocket has no receiver to limit; the ws version may have changed");
  receiver._maxFramePayload = maxFramePayload;
}
