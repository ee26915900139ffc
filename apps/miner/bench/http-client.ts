/**
 * What the miner benches share: a keep-alive HTTP client on a worker thread of its own (its own
 * event loop, as a remote caller would have) that sends pre-signed calls and times each, and
 * the percentile helpers.
 */
import { Worker } from "node:worker_threads";
import type { SignedCall } from "../src/testing/client";

export interface Stats {
  p50: number;
  p99: number;
  mean: number;
}

export function stats(ms: number[]): Stats {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
  return { p50: at(0.5), p99: at(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

/** Sends pre-signed calls one after another over one keep-alive connection; times each. */
const CLIENT = `
const http = require("node:http");
const { parentPort } = require("node:worker_threads");
let agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function post(url, call) {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, host: url.hostname, port: url.port, path: "/v1/infer", method: "POST",
      headers: { ...call.headers, "content-length": Buffer.byteLength(call.body) } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end(call.body);
  });
}
function get(url, path) {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, host: url.hostname, port: url.port, path, method: "GET" }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("error", reject);
    req.end();
  });
}
parentPort.on("message", (message) =>
  answer(message).then(
    (out) => parentPort.postMessage(out),
    (err) => parentPort.postMessage({ error: String(err && err.stack || err) }),
  ),
);
async function answer({ url, calls, health, parallel }) {
  const out = [];
  if (parallel) {
    // The calls shared out over \`parallel\` connections at once; answers in the order they came.
    agent = new http.Agent({ keepAlive: true, maxSockets: parallel });
    let next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: parallel }, async () => {
      while (next < calls.length) {
        const call = calls[next++];
        const t = performance.now();
        const res = await post(new URL(url), call);
        out.push({ ms: performance.now() - t, status: res.status, body: res.body });
      }
    }));
    out.push({ ms: performance.now() - t0, status: 0, body: "" });
    agent.destroy();
    agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    return out;
  }
  if (health) {
    for (let i = 0; i < health; i++) {
      const t = performance.now();
      const status = await get(new URL(url), "/health");
      out.push({ ms: performance.now() - t, status, body: "" });
    }
    return out;
  }
  for (const call of calls) {
    const t = performance.now();
    const res = await post(new URL(url), call);
    out.push({ ms: performance.now() - t, status: res.status, body: res.body });
  }
  return out;
}
`;

/** One timed answer from the client thread. */
export interface Timed {
  ms: number;
  status: number;
  body: string;
}

export class HttpClient {
  private readonly worker = new Worker(CLIENT, { eval: true });

  /** `calls` one after another over one keep-alive connection, each timed. */
  run(url: string, calls: SignedCall[]): Promise<Timed[]> {
    return this.ask({ url, calls: calls.map((c) => ({ headers: c.headers, body: c.body })) });
  }

  /** `calls` sent over `parallel` connections at once; returns each answer and the whole run's wall time. */
  async concurrent(url: string, calls: SignedCall[], parallel: number): Promise<{ answers: number; ms: number }> {
    const out = await this.ask({ url, parallel, calls: calls.map((c) => ({ headers: c.headers, body: c.body })) });
    const total = out.pop()!;
    const bad = out.find((r) => r.status !== 200);
    if (bad) throw new Error(`request failed: ${bad.status} ${bad.body}`);
    return { answers: out.length, ms: total.ms };
  }

  /** Round trips of GET /health: the floor any HTTP call pays on this machine. */
  health(url: string, n: number): Promise<Timed[]> {
    return this.ask({ url, health: n });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }

  /** Posts one job to the client thread; rejects if a request failed there or the thread died. */
  private ask(job: object): Promise<Timed[]> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.worker.once("error", onError);
      this.worker.once("message", (out: Timed[] | { error: string }) => {
        this.worker.off("error", onError);
        if ("error" in out) reject(new Error(`bench client: ${out.error}`));
        else resolve(out);
      });
      this.worker.postMessage(job);
    });
  }
}

export const fmt = (ms: number): string => `${ms.toFixed(2)}`.padStart(8);
export const pct = (x: number): string => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`.padStart(8);
