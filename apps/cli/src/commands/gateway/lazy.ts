/**
 * The gateway package is loaded only when a gateway command runs (it brings Fastify, Redis and
 * tokenizers): every other `noos` command starts without it.
 */
export function loadGateway(): typeof import("@noosphere/gateway") {
  return require("@noosphere/gateway") as typeof import("@noosphere/gateway");
}

/** Defaults shown in --help (the gateway's GATEWAY_DEFAULTS; a test keeps them equal). */
export const HELP_DEFAULTS = {
  rpcUrl: "http://127.0.0.1:8545",
  redisUrl: "redis://127.0.0.1:6379",
  redisPrefix: "{noos:gw}",
  host: "127.0.0.1",
  port: 8080,
  rpm: 60,
} as const;
