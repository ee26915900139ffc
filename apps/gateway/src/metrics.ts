import { Counter, Gauge, Histogram, createRegistry } from "@noosphere/node-kit";
import type { Registry } from "@noosphere/node-kit";

export interface GatewayMetrics {
  registry: Registry;
  requests: Counter<"route" | "status">;
  latency: Histogram<"route">;
  upstreamLatency: Histogram<"netuid">;
  minerFailures: Counter<"netuid" | "reason">;
  retries: Counter<"netuid">;
  shed: Counter<"netuid">;
  charged: Counter<"netuid">;
  tokens: Counter<"kind">;
  liveMiners: Gauge<"netuid">;
}

export function createGatewayMetrics(): GatewayMetrics {
  const registry = createRegistry("gateway");
  return {
    registry,
    requests: new Counter({
      name: "noos_gateway_requests_total",
      help: "API requests by route and HTTP status",
      labelNames: ["route", "status"],
      registers: [registry],
    }),
    latency: new Histogram({
      name: "noos_gateway_request_seconds",
      help: "time to answer an API request (to the last byte)",
      labelNames: ["route"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    upstreamLatency: new Histogram({
      name: "noos_gateway_miner_seconds",
      help: "time miners took to answer (to the last byte)",
      labelNames: ["netuid"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    minerFailures: new Counter({
      name: "noos_gateway_miner_failures_total",
      help: "calls to miners that failed, by reason",
      labelNames: ["netuid", "reason"],
      registers: [registry],
    }),
    retries: new Counter({
      name: "noos_gateway_retries_total",
      help: "requests retried on another miner",
      labelNames: ["netuid"],
      registers: [registry],
    }),
    shed: new Counter({
      name: "noos_gateway_shed_total",
      help: "requests answered 429 because every miner of the model was at its capacity",
      labelNames: ["netuid"],
      registers: [registry],
    }),
    charged: new Counter({
      name: "noos_gateway_charged_noos_total",
      help: "NOOS signed to miners in vouchers for answered requests",
      labelNames: ["netuid"],
      registers: [registry],
    }),
    tokens: new Counter({
      name: "noos_gateway_tokens_total",
      help: "prompt and completion tokens of answered requests",
      labelNames: ["kind"],
      registers: [registry],
    }),
    liveMiners: new Gauge({
      name: "noos_gateway_live_miners",
      help: "miners that answered their last health check",
      labelNames: ["netuid"],
      registers: [registry],
    }),
  };
}
