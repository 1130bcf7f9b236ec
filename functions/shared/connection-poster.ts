/**
 * `PostToConnection` built from the SDK's lower-level pieces: the request the SDK client sends, signed by the SDK's
 * own SigV4 signer and retried by its standard retry strategy, sent with `node:https` over one keep-alive agent per
 * endpoint. It skips the client's per-request middleware stack, which cost five times the CPU of the post itself.
 */
import { request, Agent, type RequestOptions } from "node:https";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { Sha256 } from "@smithy/core/checksum";
import { StandardRetryStrategy } from "@smithy/core/retry";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentityProvider, RetryErrorType, RetryStrategyV2 } from "@smithy/types";
import type { ConnectionPost, PostOutcome } from "./management-api";

export interface ConnectionPosterOptions {
  /** Region the endpoint is signed for. @default - AWS_REGION, then AWS_DEFAULT_REGION */
  region?: string;
  /** Where credentials come from, refreshed by the provider when they expire. @default - the SDK's default provider chain */
  credentials?: AwsCredentialIdentityProvider;
  /** Retries of throttled, 5xx and network failures. @default - the SDK's standard retry mode, 3 attempts */
  retryStrategy?: RetryStrategyV2;
  /** Sockets the agent keeps open to the endpoint at most; posts beyond wait for one. @default - 32 */
  maxSockets?: number;
  /** A post that has not been answered after this long is abandoned and retried. @default - 10000 */
  timeoutMs?: number;
}

/** A post that did not deliver for a reason other than a gone connection, after any retries. */
export class PostToConnectionError extends Error {
  constructor(
    readonly connectionId: string,
    /** The last answer's HTTP status, or undefined when no answer came (a network error or a timeout). */
    readonly statusCode: number | undefined,
    /** The error type API Gateway named (`x-amzn-ErrorType`), or the network error's code. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "PostToConnectionError";
  }
}

interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Statuses the SDK's retry classification treats as transient (`TRANSIENT_ERROR_STATUS_CODES`). */
const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);
/** Network errors the SDK's retry classification treats as transient (`NODEJS_TIMEOUT_ERROR_CODES` and friends). */
const TRANSIENT_NETWORK_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "ECONNABORTED", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "TimeoutError"]);

/** Posts to the connections of one `@connections` endpoint (`https://{domain}/{stage}`). */
export class ConnectionPoster {
  private readonly url: URL;
  private readonly signer: SignatureV4;
  private readonly retry: RetryStrategyV2;
  private readonly agent: Agent;
  private readonly timeoutMs: number;

  constructor(endpoint: string, options: ConnectionPosterOptions = {}) {
    this.url = new URL(endpoint);
    if (this.url.protocol !== "https:") throw new Error(`Management endpoint ${endpoint} is not https`);
    const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (!region) throw new Error(`No region to sign posts to ${endpoint} for: AWS_REGION is not set`);
    this.signer = new SignatureV4({ service: "execute-api", region, credentials: options.credentials ?? defaultProvider(), sha256: Sha256, applyChecksum: false });
    this.retry = options.retryStrategy ?? new StandardRetryStrategy(3);
    this.agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 32 });
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Posts one message: "delivered", or "gone" for a closed or unknown connection (410); throws PostToConnectionError otherwise. */
  async post(connectionId: string, data: string | Uint8Array): Promise<PostOutcome> {
    const body = typeof data === "string" ? Buffer.from(data) : data;
    const path = `${this.url.pathname.replace(/\/$/, "")}/@connections/${encodeURIComponent(connectionId)}`;
    let token = await this.retry.acquireInitialRetryToken(this.url.host);
    for (;;) {
      let failure: PostToConnectionError;
      let errorType: RetryErrorType;
      let retryAfterHint: Date | undefined;
      try {
        const answer = await this.send(path, body);
        if (answer.statusCode >= 200 && answer.statusCode < 300) {
          this.retry.recordSuccess(token);
          return "delivered";
        }
        if (answer.statusCode === 410) {
          this.retry.recordSuccess(token);
          return "gone";
        }
        failure = errorFromAnswer(connectionId, answer);
        errorType = classify(answer.statusCode);
        retryAfterHint = retryAfter(answer.headers["retry-after"]);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).name ?? "NetworkError";
        failure = new PostToConnectionError(connectionId, undefined, code, `Post to connection ${connectionId} failed: ${(error as Error).message}`);
        errorType = TRANSIENT_NETWORK_CODES.has(code) ? "TRANSIENT" : "CLIENT_ERROR";
      }
      try {
        token = await this.retry.refreshRetryTokenForRetry(token, { errorType, retryAfterHint });
      } catch {
        throw failure;
      }
    }
  }

  private async send(path: string, body: Uint8Array): Promise<Answer> {
    const signed = await this.signer.sign({
      method: "POST",
      protocol: "https:",
      hostname: this.url.hostname,
      port: this.url.port ? Number(this.url.port) : undefined,
      path,
      query: {},
      headers: { host: this.url.host, "content-type": "application/octet-stream", "content-length": String(body.byteLength) },
      body,
    });
    const options: RequestOptions = { method: "POST", hostname: this.url.hostname, port: this.url.port || 443, path, headers: signed.headers, agent: this.agent };
    return new Promise<Answer>((resolve, reject) => {
      const outgoing = request(options, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ statusCode: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }));
        response.on("error", reject);
      });
      outgoing.setTimeout(this.timeoutMs, () => outgoing.destroy(Object.assign(new Error(`No answer within ${this.timeoutMs} ms`), { code: "TimeoutError" })));
      outgoing.on("error", reject);
      outgoing.end(body);
    });
  }

  /** This poster's post as a ConnectionPost, for `broadcast`. */
  readonly asPost: ConnectionPost = (connectionId, data) => this.post(connectionId, data);

  /** Closes the kept-alive sockets. */
  destroy(): void {
    this.agent.destroy();
  }
}

/** As the SDK classifies an answer for its retry strategy; only THROTTLING and TRANSIENT are retried. */
function classify(statusCode: number): RetryErrorType {
  if (statusCode === 429) return "THROTTLING";
  if (TRANSIENT_STATUSES.has(statusCode)) return "TRANSIENT";
  if (statusCode >= 500) return "SERVER_ERROR";
  return "CLIENT_ERROR";
}

function retryAfter(header: string | string[] | undefined): Date | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return new Date(Date.now() + seconds * 1000);
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function errorFromAnswer(connectionId: string, answer: Answer): PostToConnectionError {
  let named: { __type?: string; message?: string; Message?: string } = {};
  try {
    named = JSON.parse(answer.body) as typeof named;
  } catch {
    // Not JSON: the status alone tells what happened.
  }
  const header = answer.headers["x-amzn-errortype"];
  const code = (Array.isArray(header) ? header[0] : header)?.split(":")[0] ?? named.__type ?? `Http${answer.statusCode}`;
  const reason = named.message ?? named.Message ?? "no message";
  return new PostToConnectionError(connectionId, answer.statusCode, code, `Post to connection ${connectionId} answered ${answer.statusCode} ${code}: ${reason}`);
}

const posters = new Map<string, ConnectionPoster>();

/** One poster per endpoint, with its agent, signer and retry quota, kept for the life of the execution environment. */
export function connectionPoster(endpoint: string): ConnectionPoster {
  let poster = posters.get(endpoint);
  if (!poster) {
    poster = new ConnectionPoster(endpoint);
    posters.set(endpoint, poster);
  }
  return poster;
}
