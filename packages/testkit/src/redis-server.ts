/**
 * A redis-server of a test's own, on a free port with append-only persistence: for tests that stop,
 * restart or freeze Redis (the shared one on 6379 must stay up for everyone else).
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "@noosphere/node-kit";

export interface RedisServer {
  port: number;
  url: string;
  dir: string;
  /** Kills it (SIGKILL: no shutdown save) and starts it again on the same port and data. */
  restart(downMs?: number): Promise<void>;
  /** Stops answering without closing connections (SIGSTOP) for `ms`, then goes on (SIGCONT). */
  freeze(ms: number): Promise<void>;
  stop(): Promise<void>;
}

/** A redis-server with appendonly on (fsync always) in a temporary folder, on a free port. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "noos-redis-"));
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--save",
        "",
      ],
      { stdio: "ignore" },
    );
    let spawnError: Error | undefined;
    child.on("error", (err) => (spawnError = err));
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (spawnError) {
        throw new Error(
          `cannot run redis-server (${spawnError.message}): tests that stop Redis start their own; install it (apt-get install redis-server)`,
        );
      }
      if (await ping(port)) return;
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGKILL");
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    freeze: async (ms) => {
      child?.kill("SIGSTOP");
      await new Promise((r) => setTimeout(r, ms));
      child?.kill("SIGCONT");
    },
    restart: async (downMs = 500) => {
      await kill();
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    stop: async () => {
      await kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function ping(port: number): Promise<boolean> {
  const net = await import("node:net");
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.setTimeout(300);
    s.on("connect", () => s.write("PING\r\n"));
    s.on("data", (d) => {
      s.destroy();
      resolve(d.toString().startsWith("+PONG"));
    });
    s.on("error", () => resolve(false));
    s.on("timeout", () => {
      s.destroy();
      resolve(false);
    });
  });
}
