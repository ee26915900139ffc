/**
 * Runs `npm run devnet` (scripts/devnet.sh) as a child process, for the end-to-end test and the
 * bench: free ports, a private folder and deployments folder, the state file to wait on, and a
 * Ctrl-C (SIGINT to its process group, as a terminal sends it) to stop it.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "@noosphere/node-kit";
import { readState } from "./state";
import type { DevnetState } from "./state";
import { REPO_ROOT } from "./paths";

export interface SpawnedDevnet {
  child: ChildProcess;
  /** Unix ms when the command was started. */
  startedAt: number;
  dir: string;
  stateFile: string;
  deploymentsDir: string;
  ports: { chain: number; gateway: number; explorer: number };
  /** Everything the devnet printed so far. */
  output(): string;
  state(): DevnetState | undefined;
  /** Polls the state file until `ready(state)` holds. */
  waitFor(what: string, ready: (s: DevnetState) => boolean, timeoutMs: number): Promise<DevnetState>;
  /** Ctrl-C; resolves with the exit code once the devnet has exited. */
  /**
   * SIGINT, to the whole process group as a terminal's Ctrl-C (default) or to the first process
   * alone (`kill -INT <npm's pid>`); resolves with the exit code.
   */
  interrupt(timeoutMs?: number, to?: "group" | "process"): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface SpawnDevnetOptions {
  /** Extra flags (e.g. ["--tempo", "10"]). */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Also print the devnet's output as it comes (default: keep it for failure messages). */
  echo?: boolean;
  /** `npm`: `npm run devnet --` as a user types it; `script`: bash scripts/devnet.sh (default). */
  via?: "npm" | "script";
}

export async function spawnDevnet(opts: SpawnDevnetOptions = {}): Promise<SpawnedDevnet> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "noos-devnet-"));
  const deploymentsDir = path.join(dir, "deployments");
  const ports = { chain: await freePort(), gateway: await freePort(), explorer: await freePort() };
  const flags = [
    "--port",
    String(ports.chain),
    "--gateway-port",
    String(ports.gateway),
    "--explorer-port",
    String(ports.explorer),
    "--dir",
    dir,
    ...(opts.args ?? []),
  ];
  const [command, args] =
    opts.via === "npm"
      ? ["npm", ["run", "--silent", "devnet", "--", ...flags]]
      : ["bash", [path.join(REPO_ROOT, "scripts/devnet.sh"), ...flags]];
  const startedAt = Date.now();
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    // Its own process group: the interrupt reaches it (and npm, if any) as a terminal's Ctrl-C would.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NOOS_DEPLOYMENTS_DIR: deploymentsDir, ...opts.env },
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    output += text;
    if (opts.echo) process.stdout.write(text);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));
  const stateFile = path.join(dir, "state.json");

  return {
    child,
    startedAt,
    dir,
    stateFile,
    deploymentsDir,
    ports,
    exited,
    output: () => output,
    state: () => readState(stateFile),
    async waitFor(what, ready, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = readState(stateFile);
        if (s && ready(s)) return s;
        if (exitCode !== undefined) throw new Error(`the devnet exited (${exitCode}) before ${what}:\n${tail(output)}`);
        if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs / 1000} s:\n${tail(output)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async interrupt(timeoutMs = 60_000, to: "group" | "process" = "group") {
      if (exitCode === undefined && child.pid) {
        try {
          process.kill(to === "group" ? -child.pid : child.pid, "SIGINT");
        } catch {
          /* gone */
        }
      }
      const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), timeoutMs).unref());
      const result = await Promise.race([exited, timer]);
      if (result === "timeout") {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
        throw new Error(`the devnet did not stop within ${timeoutMs / 1000} s of Ctrl-C:\n${tail(output)}`);
      }
      return result;
    },
  };
}

function tail(text: string, lines = 60): string {
  return text.split("\n").slice(-lines).join("\n");
}

/** Whether a process with this pid exists (and is not a zombie). */
export function processAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
