import http from "node:http";
import https from "node:https";
import type { IncomingMessage } from "node:http";
import { ForbiddenAxonError, checkAxonUrl, guardedLookup } from "@noosphere/node-kit";

/** One server-sent event from a miner's stream. */
export interface SseEvent {
  event: string; // "message" unless the miner named it (e.g. "done")
  data: string;
}

export type MinerReply =
  | { kind: "json"; status: number; body: unknown; headers: http.IncomingHttpHeaders }
  | { kind: "stream"; status: number; events: AsyncGenerator<SseEvent, void>; close: () => void };

/** The miner could not be reached or did not answer in time (retry elsewhere). */
export class MinerUnreachableError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`miner ${url} unreachable: ${reason}`);
  }
}

export interface MinerPostOptions {
  body: string | Buffer;
  headers: Record<string, string>;
  /** Whole-answer timeout for JSON, idle timeout between stream bytes. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface MinerClientOptions {
  /** Lets axons point at loopback and private addresses (a devnet); refused otherwise. */
  allowPrivateAxons?: boolean;
}

/**
 * HTTP client for miners' axons with keep-alive connection pools (a new TCP connection per
 * request would cost more than the gateway's whole latency budget). Axons come from the chain, so
 * private and loopback targets are refused (checked again when a name is resolved) unless allowed.
 */
export class MinerClient {
  private readonly allowPrivate: boolean;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(opts: MinerClientOptions = {}) {
    this.allowPrivate = opts.allowPrivateAxons ?? false;
    const agent = {
      keepAlive: true,
      maxSockets: 256,
      keepAliveMsecs: 10_000,
      lookup: guardedLookup(this.allowPrivate),
    };
    this.httpAgent = new http.Agent(agent);
    this.httpsAgent = new https.Agent(agent);
  }

  post(baseUrl: string, path: string, opts: MinerPostOptions): Promise<MinerReply> {
    return this.request("POST", baseUrl + path, opts);
  }

  async getJson(baseUrl: string, path: string, timeoutMs: number): Promise<{ status: number; body: unknown }> {
    const reply = await this.request("GET", baseUrl + path, { body: "", headers: {}, timeoutMs });
    if (reply.kind === "stream") {
      reply.close();
      throw new MinerUnreachableError(baseUrl, "answered a stream where JSON was expected");
    }
    return reply;
  }

  /** Whether `url` is a target this client would send to (a name is checked again when it resolves). */
  allows(url: string): boolean {
    try {
      checkAxonUrl(url, this.allowPrivate);
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private request(method: string, url: string, opts: MinerPostOptions): Promise<MinerReply> {
    let target: URL;
    try {
      target = checkAxonUrl(url, this.allowPrivate);
    } catch (err) {
      return Promise.reject(new MinerUnreachableError(url, (err as ForbiddenAxonError).message));
    }
    const lib = target.protocol === "https:" ? https : http;
    const agent = target.protocol === "https:" ? this.httpsAgent : this.httpAgent;
    const body = typeof opts.body === "string" ? Buffer.from(opts.body) : opts.body;
    return new Promise<MinerReply>((resolve, reject) => {
      let settled = false;
      const fail = (reason: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        reject(new MinerUnreachableError(target.origin, reason));
      };
      const req = lib.request(
        target,
        {
          method,
          agent,
          headers: {
            ...opts.headers,
            ...(method === "POST" ? { "content-type": "application/json", "content-length": String(body.length) } : {}),
            accept: "application/json, text/event-stream",
          },
        },
        (res) => {
          const type = String(res.headers["content-type"] ?? "");
          if (type.startsWith("text/event-stream")) {
            settled = true;
            clearTimeout(timer);
            res.setTimeout(opts.timeoutMs, () => res.destroy(new Error(`no data for ${opts.timeoutMs} ms`)));
            resolve({
              kind: "stream",
              status: res.statusCode ?? 0,
              events: sseEvents(res),
              close: () => res.destroy(),
            });
            return;
          }
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", (err) => fail(err.message));
          res.on("end", () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: unknown = text;
            try {
              parsed = text.length > 0 ? JSON.parse(text) : undefined;
            } catch {
              // Not JSON (a proxy's error page): keep the text.
            }
            resolve({ kind: "json", status: res.statusCode ?? 0, body: parsed, headers: res.headers });
          });
        },
      );
      const timer = setTimeout(() => fail(`no answer within ${opts.timeoutMs} ms`), opts.timeoutMs);
      req.on("error", (err) => fail((err as NodeJS.ErrnoException).code ?? err.message));
      if (opts.signal) {
        if (opts.signal.aborted) fail("aborted");
        else opts.signal.addEventListener("abort", () => fail("aborted"), { once: true });
      }
      req.end(method === "POST" ? body : undefined);
    });
  }
}

/** Parses a text/event-stream body into events (fields event and data; comments ignored). */
export async function* sseEvents(res: IncomingMessage): AsyncGenerator<SseEvent, void> {
  let buffer = "";
  let event = "message";
  let data: string[] = [];
  res.setEncoding("utf8");
  for await (const chunk of res as AsyncIterable<string>) {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl).replace(/\r$/, "");
      buffer = buffer.slice(nl + 1);
      if (line === "") {
        if (data.length > 0) yield { event, data: data.join("\n") };
        event = "message";
        data = [];
      } else if (line.startsWith("data:")) {
        data.push(line.slice(5).replace(/^ /, ""));
      } else if (line.startsWith("event:")) {
        event = line.slice(6).trim();
      }
    }
  }
  if (data.length > 0) yield { event, data: data.join("\n") };
}
