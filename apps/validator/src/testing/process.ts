/**
 * Validator and Redis processes for the fault tests: `noos validator start` exactly as an
 * operator runs it, and a redis-server with append-only persistence on a port of its own.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { freePort } from "@noosphere/testkit";

const ROOT = path.resolve(__dirname, "..", "..", "..", "..");
const NOOS = path.join(ROOT, "apps", "cli", "bin", "noos.js");

export interface ValidatorProcess {
  child: ChildProcess;
  pid: number;
  /** Log lines so far (JSON, one per line). */
  logs: string[];
  /** /health and /metrics base URL, once the validator said it started. */
  url: Promise<string>;
  exited: Promise<number | null>;
  alive(): boolean;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Starts `noos validator start <args>`; resolves `url` when the validator logs that it started. */
export function spawnValidator(args: string[], env: NodeJS.ProcessEnv): ValidatorProcess {
  // The test miners listen on 127.0.0.1.
  const child = spawn(process.execPath, [NOOS, "validator", "start", "--allow-private-axons", ...args], {
    cwd: ROOT,
    env: { ...process.env, NOOS_LOG_LEVEL: "info", NOOS_LOG_PRETTY: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  let onUrl!: (u: string) => void;
  let onFail!: (e: Error) => void;
  const url = new Promise<string>((resolve, reject) => {
    onUrl = resolve;
    onFail = reject;
  });
  url.catch(() => undefined);
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream! }).on("line", (line) => {
      logs.push(line);
      if (line.includes('"validator started"')) {
        try {
          const http = (JSON.parse(line) as { http?: string }).http;
          if (http) onUrl(http);
        } catch {
          // not JSON
        }
      }
    });
  }
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      onFail(new Error(`validator exited (${code}) before starting:\n${logs.slice(-20).join("\n")}`));
      resolve(code);
    }),
  );
  return {
    child,
    pid: child.pid as number,
    logs,
    url,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    kill: async (signal) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}

export interface RedisServer {
  port: number;
  url: string;
  dir: string;
  /** Kills it (SIGKILL: no shutdown save) and starts it again on the same port and data. */
  restart(downMs?: number): Promise<void>;
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
          `cannot run redis-server (${spawnError.message}): the fault tests start their own; install it (apt-get install redis-server)`,
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
