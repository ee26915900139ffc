import net from "node:net";
import { spawnSync } from "node:child_process";
import type { ProcessGroup } from "./processes";
import { freePort } from "@noosphere/node-kit";

/** The Redis database a devnet uses on a Redis it did not start (others' keys live in db 0). */
export const DEVNET_REDIS_DB = 13;
const DEFAULT_REDIS = { host: "127.0.0.1", port: 6379 };

export interface DevnetRedis {
  url: string;
  /** Whether the devnet started this Redis (as a child process) and stops it on exit. */
  started: boolean;
}

export interface RedisEndpoint {
  host: string;
  port: number;
  db: number;
}

export function parseRedisUrl(url: string): RedisEndpoint {
  const u = new URL(url);
  if (u.protocol !== "redis:") throw new Error(`--redis takes a redis://host:port[/db] URL, got "${url}"`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new Error(`bad database number in ${url}`);
  return { host: u.hostname || "127.0.0.1", port: Number(u.port || 6379), db };
}

/**
 * Sends inline commands (e.g. ["SELECT 13", "PING"]) and returns the replies' first lines; no
 * client library needed for PING, SELECT and FLUSHDB.
 */
export function redisCommands(
  endpoint: { host: string; port: number },
  commands: string[],
  timeoutMs = 2_000,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: endpoint.host, port: endpoint.port });
    let buffer = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`Redis at ${endpoint.host}:${endpoint.port} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("connect", () => socket.write(commands.map((c) => c + "\r\n").join("")));
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      const lines = buffer.split("\r\n").filter((l) => l.length > 0);
      if (lines.length >= commands.length) {
        clearTimeout(timer);
        socket.end();
        const errors = lines.filter((l) => l.startsWith("-"));
        if (errors.length > 0) reject(new Error(`Redis refused: ${errors.join("; ")}`));
        else resolve(lines.slice(0, commands.length));
      }
    });
    socket.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export async function redisAnswers(endpoint: { host: string; port: number }): Promise<boolean> {
  try {
    const [reply] = await redisCommands(endpoint, ["PING"], 1_000);
    return reply === "+PONG";
  } catch {
    return false;
  }
}

/**
 * The Redis the devnet's validators and gateway share: `url` if given (it must answer), else
 * 127.0.0.1:6379 (database 13) if it answers, else a redis-server started as a child process
 * (no persistence) on a free port.
 */
export async function ensureRedis(opts: {
  url?: string;
  group: ProcessGroup;
  log: (message: string) => void;
}): Promise<DevnetRedis> {
  if (opts.url) {
    const endpoint = parseRedisUrl(opts.url);
    if (!(await redisAnswers(endpoint))) {
      throw new Error(
        `no Redis answers at ${opts.url}: start one, or leave out --redis to let the devnet start its own`,
      );
    }
    return { url: opts.url, started: false };
  }
  if (await redisAnswers(DEFAULT_REDIS)) {
    const url = `redis://${DEFAULT_REDIS.host}:${DEFAULT_REDIS.port}/${DEVNET_REDIS_DB}`;
    opts.log(`using the Redis at ${DEFAULT_REDIS.host}:${DEFAULT_REDIS.port} (database ${DEVNET_REDIS_DB})`);
    return { url, started: false };
  }
  const server = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  if (server.error) {
    throw new Error(
      "no Redis answers at 127.0.0.1:6379 and redis-server is not installed: install it (apt-get install redis-server) " +
        "or pass --redis redis://host:port",
    );
  }
  const port = await freePort();
  opts.group.start(
    "redis",
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"],
    { show: (line) => /Ready to accept|error|Error|FATAL/.test(line) },
  );
  const deadline = Date.now() + 10_000;
  while (!(await redisAnswers({ host: "127.0.0.1", port }))) {
    if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${port} within 10 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `redis://127.0.0.1:${port}`, started: true };
}

/** Empties the devnet's Redis database: keys of an earlier chain (job ids, voucher ledgers) mean nothing on a new one. */
export async function flushDevnetRedis(url: string): Promise<void> {
  const { host, port, db } = parseRedisUrl(url);
  await redisCommands({ host, port }, [`SELECT ${db}`, "FLUSHDB"]);
}
