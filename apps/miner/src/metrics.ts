import { Counter, Gauge, Histogram, createRegistry } from "@noosphere/node-kit";
import type { Registry } from "@noosphere/node-kit";

export interface MinerMetrics {
  registry: Registry;
  /** Every HTTP answer, by route and status (refusals included). */
  requests: Counter<"route" | "status">;
  /** Time from arrival to the signed answer of served inference requests. */
  latency: Histogram<"task">;
  /** Tokens generated (text) or lines recognised (OCR). */
  units: Counter<"task">;
  /** Units per second of the last answered request. */
  unitsPerSecond: Gauge<"task">;
  queueDepth: Gauge;
  inFlight: Gauge;
  /** NOOS owed by answered requests, and redeemed on-chain (floats: for dashboards, not accounting). */
  owed: Counter;
  redeemed: Counter;
}

export function createMinerMetrics(registry: Registry = createRegistry("miner")): MinerMetrics {
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: "noos_miner_requests_total",
      help: "HTTP requests by route and status",
      labelNames: ["route", "status"],
      registers,
    }),
    latency: new Histogram({
      name: "noos_miner_request_seconds",
      help: "time to answer an inference request, queueing included",
      labelNames: ["task"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    units: new Counter({
      name: "noos_miner_tokens_total",
      help: "tokens generated (text) or lines recognised (OCR)",
      labelNames: ["task"],
      registers,
    }),
    unitsPerSecond: new Gauge({
      name: "noos_miner_tokens_per_second",
      help: "tokens (or OCR lines) per second of the last answer",
      labelNames: ["task"],
      registers,
    }),
    queueDepth: new Gauge({ name: "noos_miner_queue_depth", help: "requests waiting for the model", registers }),
    inFlight: new Gauge({ name: "noos_miner_in_flight", help: "requests running on the model", registers }),
    owed: new Counter({
      name: "noos_miner_owed_noos_total",
      help: "NOOS owed by clients for answered requests",
      registers,
    }),
    redeemed: new Counter({
      name: "noos_miner_redeemed_noos_total",
      help: "NOOS burned from clients' escrow by this miner's redemptions",
      registers,
    }),
  };
}
