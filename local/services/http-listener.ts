import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Listening {
  url: string;
  close(): Promise<void>;
}

/** Starts an HTTP server on a local port and gives its URL and a close that does not wait for kept-alive clients. */
export async function listen(server: Server, port = 0, host = "127.0.0.1"): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const { address, port: boundPort } = server.address() as AddressInfo;
  const hostname = address.includes(":") ? `[${address}]` : address;
  return {
    url: `http://${hostname}:${boundPort}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // SDK clients and fetch keep connections alive; without this close() would wait for them
        server.closeAllConnections();
      }),
  };
}

/** A request body kept up to `cap` bytes; the rest is drained (so an error answer still reaches the client) and counted. */
export function readCappedBody(request: IncomingMessage, cap: number): Promise<{ bytes: Buffer; size: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= cap) chunks.push(chunk);
    });
    request.on("error", reject);
    request.on("end", () => resolve({ bytes: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), size }));
  });
}
