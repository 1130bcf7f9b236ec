/**
 * A stand-in for API Gateway's `@connections` endpoint that functions post to over `node:https`: the runtime's own
 * routing sends the host's requests to this plain HTTP server. Not a test file itself.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { installRouting } from "../../local/functions/routing.mjs";
import type { Posted } from "./support";

export interface StubbedPost extends Posted {
  /** The request path, `/{stage}/@connections/{encoded id}`. */
  path: string;
  host: string;
  /** The `@connections` endpoint the post was made to, `https://{host}/{stage}`. */
  endpoint: string;
  authorization: string;
}

export interface ManagementStub {
  /** Every post that reached the stub, in arrival order (retries included). */
  readonly posts: StubbedPost[];
  /** Status to answer for a connection id; 200 for any other. */
  readonly answers: Map<string, number>;
  /** Called as each post arrives. */
  onPost?: (post: StubbedPost) => void;
  /**
   * Each post's recipient and message, recipients in id order and each one's posts in arrival order: posts to
   * different connections are in flight at once and arrive in any order, posts to one connection do not.
   */
  byRecipient(): Posted[];
  reset(): void;
  close(): void;
}

const ERROR_TYPES: Record<number, string> = { 403: "ForbiddenException", 410: "GoneException", 413: "PayloadTooLargeException", 429: "LimitExceededException", 500: "InternalServerErrorException" };

/** Starts the stub and routes `host`'s HTTPS requests in this process to it. */
export async function startManagementStub(host: string): Promise<ManagementStub> {
  let server: Server | undefined;
  const stub: ManagementStub = {
    posts: [],
    answers: new Map(),
    byRecipient() {
      const posts = stub.posts.map(({ connectionId, message }) => ({ connectionId, message }));
      return posts.sort((a, b) => (a.connectionId < b.connectionId ? -1 : a.connectionId > b.connectionId ? 1 : 0));
    },
    reset() {
      stub.posts.length = 0;
      stub.answers.clear();
      stub.onPost = undefined;
    },
    close() {
      server?.closeAllConnections();
      server?.close();
    },
  };
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = request.url ?? "";
      const connectionId = decodeURIComponent(path.split("/@connections/")[1] ?? "");
      const post: StubbedPost = { connectionId, message: JSON.parse(Buffer.concat(chunks).toString("utf8")), path, host: String(request.headers.host), endpoint: `https://${String(request.headers.host)}${path.split("/@connections/")[0]}`, authorization: String(request.headers.authorization) };
      stub.posts.push(post);
      stub.onPost?.(post);
      const status = stub.answers.get(connectionId) ?? 200;
      if (status === 200) return void response.writeHead(200).end();
      const type = ERROR_TYPES[status] ?? "UnknownError";
      response.writeHead(status, { "content-type": "application/json", "x-amzn-ErrorType": type }).end(JSON.stringify({ message: `Stubbed ${status}` }));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  installRouting({ [host]: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  return stub;
}
