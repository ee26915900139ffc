import { Counter, Gauge, Histogram, createRegistry } from "@noosphere/node-kit";
import type { Registry } from "@noosphere/node-kit";

export interface MinerMetrics {
  registry: Registry;
  requests: Counter<"status">;
  latency: Histogram<"task">;
  units: Counter<"task">;
  tokensPerSecond: Gauge<"task">;
  queueDepth: Gauge;
}

export function createMinerMetrics(): MinerMetrics {
  const registry = createRegistry("miner");
  return {
    registry,
    requests: new Counter({ name: "noos_miner_requests_total", help: "requests by HTTP status", labelNames: ["status"], registers: [registry] }),
    latency: new Histogram({
      name: "noos_miner_request_seconds",
      help: "time to answer an inference request",
      labelNames: ["task"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    units: new Counter({ name: "noos_miner_units_total", help: "tokens generated or lines recognised", labelNames: ["task"], registers: [registry] }),
    tokensPerSecond: new Gauge({ name: "noos_miner_units_per_second", help: "throughput of the last request", labelNames: ["task"], registers: [registry] }),
    queueDepth: new Gauge({ name: "noos_miner_queue_depth", help: "requests waiting for the model", registers: [registry] }),
  };
}
