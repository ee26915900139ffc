import IORedis from "ioredis";
import type { Redis, RedisOptions } from "ioredis";
import type { Logger } from "@noosphere/node-kit";
import { RedisUnavailableError, redactUrl } from "./errors";

export type { Redis };

/**
 * Connection settings for every Redis client of the validator: reconnect forever with a capped
 * backoff (a Redis restart must not kill the process), and `maxRetriesPerRequest: null` as
 * BullMQ requires for workers (commands wait for the reconnection instead of failing).
 */
export function redisOptions(url: string): RedisOptions {
  const u = new URL(url);
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    throw new RedisUnavailableError(url, new Error(`unsupported scheme ${u.protocol} (use redis:// or rediss://)`));
  }
  return {
    host: u.hostname || "127.0.0.1",
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === "rediss:" ? {} : undefined,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2_000),
  };
}

/**
 * Checks that Redis answers, once, without retrying (so a missing Redis is reported at start-up
 * in words instead of as an endless reconnect loop), then returns a long-lived client.
 */
export async function connectRedis(
  url: string,
  opts: { connectTimeoutMs?: number; logger?: Logger } = {},
): Promise<Redis> {
  const options = redisOptions(url);
  const probe = new IORedis({
    ...options,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    connectTimeout: opts.connectTimeoutMs ?? 3_000,
  });
  let lastError: Error | undefined;
  probe.on("error", (err: Error) => (lastError = err));
  try {
    await probe.connect();
    const info = await probe.info("server");
    const version = /redis_version:(\d+)\.(\d+)/.exec(info);
    if (version && Number(version[1]) < 6) {
      throw new RedisUnavailableError(
        url,
        new Error(`Redis ${version[1]}.${version[2]} is too old; BullMQ needs 6.2 or newer`),
      );
    }
    const policy = await probe.config("GET", "maxmemory-policy").catch(() => undefined);
    const value = Array.isArray(policy) ? policy[1] : undefined;
    if (value !== undefined && value !== "noeviction") {
      opts.logger?.warn(
        { policy: value },
        "Redis maxmemory-policy should be noeviction, or queued jobs may be evicted",
      );
    }
  } catch (err) {
    if (err instanceof RedisUnavailableError) throw err;
    // ioredis rejects with "Connection is closed."; the cause (ECONNREFUSED...) came as an event.
    throw new RedisUnavailableError(url, lastError ?? err);
  } finally {
    probe.disconnect();
  }
  const client = new IORedis(options);
  client.on("error", (err: Error) =>
    opts.logger?.warn({ err: err.message, redis: redactUrl(url) }, "redis connection error"),
  );
  return client;
}
