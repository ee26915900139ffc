import { spawn } from "node:child_process";
import type { ChildProcess, SpawnOptions } from "node:child_process";
import readline from "node:readline";

const COLOURS = [36, 33, 35, 32, 34, 31, 96, 93, 95, 92, 94];

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

/**
 * Runs the devnet's child processes with prefixed, coloured output, and stops them all (SIGTERM,
 * then SIGKILL after a grace period) so that nothing is left running after Ctrl-C.
 */
export class ProcessGroup {
  private readonly procs: ManagedProcess[] = [];
  private colour = 0;

  constructor(private readonly write: (line: string) => void = (l) => process.stdout.write(l + "\n")) {}

  start(name: string, command: string, args: string[], opts: SpawnOptions = {}): ManagedProcess {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], detached: true, ...opts });
    const code = COLOURS[this.colour++ % COLOURS.length];
    const prefix = process.stdout.isTTY ? `\x1b[${code}m${name.padEnd(12)}\x1b[0m│ ` : `${name.padEnd(12)}| `;
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      readline.createInterface({ input: stream }).on("line", (line) => this.write(prefix + line));
    }
    const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    const proc = { name, child, exited };
    this.procs.push(proc);
    return proc;
  }

  get running(): ManagedProcess[] {
    return this.procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
  }

  /** Stops processes in reverse start order (services before the chain they talk to). */
  async stopAll(graceMs = 8_000): Promise<void> {
    for (const proc of [...this.procs].reverse()) await this.stop(proc, graceMs);
  }

  async stop(proc: ManagedProcess, graceMs: number): Promise<void> {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    signalGroup(proc.child, "SIGTERM");
    const timer = setTimeout(() => signalGroup(proc.child, "SIGKILL"), graceMs);
    await proc.exited;
    clearTimeout(timer);
    // Whatever the child itself spawned (e.g. npx -> node) goes with its process group.
    signalGroup(proc.child, "SIGKILL");
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}
