/**
 * Validator processes for the fault tests: `noos validator start` exactly as an operator runs it
 * (a Redis of their own: @noosphere/testkit/redis-server).
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import readline from "node:readline";

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
