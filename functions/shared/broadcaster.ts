import type { ConnectionPost } from "./management-api";

export interface BroadcastResult {
  delivered: number;
  /** Connections that answered 410 and were handed to `onGone`. */
  gone: number;
  failed: number;
}

export interface BroadcastOptions {
  /** How one message reaches one connection: the signed keep-alive poster, or the SDK client through `sdkPost`. */
  post: ConnectionPost;
  recipients: readonly string[];
  payload: unknown;
  /** Posts in flight at once. */
  concurrency?: number;
  /** Called once for each recipient whose connection is gone. */
  onGone: (connectionId: string) => Promise<void>;
  /** Called for each post that failed for another reason. */
  onError?: (connectionId: string, error: unknown) => void;
}

/** Posts one payload to many connections in parallel, with bounded concurrency; never throws for one recipient. */
export async function broadcast(options: BroadcastOptions): Promise<BroadcastResult> {
  const data = new TextEncoder().encode(JSON.stringify(options.payload));
  const result: BroadcastResult = { delivered: 0, gone: 0, failed: 0 };
  const queue = [...options.recipients];
  const concurrency = Number.isInteger(options.concurrency) && options.concurrency! > 0 ? options.concurrency! : 32;
  const workers = Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
    for (let connectionId = queue.shift(); connectionId !== undefined; connectionId = queue.shift()) {
      let outcome;
      try {
        outcome = await options.post(connectionId, data);
      } catch (error) {
        result.failed += 1;
        options.onError?.(connectionId, error);
        continue;
      }
      if (outcome === "delivered") {
        result.delivered += 1;
        continue;
      }
      result.gone += 1;
      try {
        await options.onGone(connectionId);
      } catch (error) {
        options.onError?.(connectionId, error);
      }
    }
  });
  await Promise.all(workers);
  return result;
}
