import { spawn } from "node:child_process";
import type { ChildProcess, SpawnOptions } from "node:child_process";
import readline from "node:readline";

const COLOURS = [36, 33, 35, 32, 34, 96, 93, 95, 92, 94, 91];

export interface ManagedProcess {
  name: string;
  /** What kind of service it is; stops go by kind (see stopKinds). */
  kind: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

export interface ProcessGroupOptions {
  write?: (line: string) => void;
  colour?: boolean;
  /** Called once a process is spawned (e.g. to list it for the reaper). */
  onStart?: (proc: ManagedProcess) => void;
  /** Called when a process exits while the group is not stopping (a crash, or a service that gave up). */
  onUnexpectedExit?: (proc: ManagedProcess, code: number | null, signal: NodeJS.Signals | null) => void;
}

/**
 * Runs the devnet's child processes with prefixed, coloured output (pino JSON lines shown as
 * short text), each in its own process group: Ctrl-C reaches only the devnet, which then stops
 * them in a chosen order (SIGTERM, SIGKILL after a grace period), so nothing is left running.
 */
export class ProcessGroup {
  private readonly procs: ManagedProcess[] = [];
  private colourIndex = 0;
  private stopping = false;
  private readonly write: (line: string) => void;
  private readonly colour: boolean;

  constructor(private readonly opts: ProcessGroupOptions = {}) {
    this.write = opts.write ?? ((l) => process.stdout.write(l + "\n"));
    this.colour = opts.colour ?? Boolean(process.stdout.isTTY);
  }

  start(
    name: string,
    command: string,
    args: string[],
    opts: SpawnOptions & { kind?: string; show?: (line: string) => boolean } = {},
  ): ManagedProcess {
    const { kind = name, show = () => true, ...spawnOpts } = opts;
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], detached: true, ...spawnOpts });
    const code = COLOURS[this.colourIndex++ % COLOURS.length];
    const prefix = this.colour ? `\x1b[${code}m${name.padEnd(12)}\x1b[0m│ ` : `${name.padEnd(12)}| `;
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      readline.createInterface({ input: stream }).on("line", (line) => {
        if (!show(line)) return;
        const text = formatLogLine(line, this.colour);
        if (text !== undefined) this.write(prefix + text);
      });
    }
    const proc: ManagedProcess = { name, kind, child, exited: Promise.resolve(null) };
    proc.exited = new Promise<number | null>((resolve) => {
      child.on("exit", (c, signal) => {
        if (!this.stopping) this.opts.onUnexpectedExit?.(proc, c, signal);
        resolve(c);
      });
      child.on("error", (err) => {
        this.write(`${prefix}could not start ${command}: ${err.message}`);
        resolve(null);
      });
    });
    this.procs.push(proc);
    if (child.pid !== undefined) this.opts.onStart?.(proc);
    return proc;
  }

  get all(): readonly ManagedProcess[] {
    return this.procs;
  }

  get running(): ManagedProcess[] {
    return this.procs.filter(isRunning);
  }

  /**
   * Stops every process: first the kinds in `order` (each kind's processes side by side, one
   * kind after the other), then whatever is left, last started first.
   */
  async stopAll(order: string[] = [], graceMs = 10_000): Promise<void> {
    this.stopping = true;
    for (const kind of order) {
      await Promise.all(this.procs.filter((p) => p.kind === kind).map((p) => this.stop(p, graceMs)));
    }
    for (const proc of [...this.procs].reverse()) await this.stop(proc, graceMs);
  }

  async stop(proc: ManagedProcess, graceMs: number): Promise<void> {
    if (isRunning(proc)) {
      signalGroup(proc.child, "SIGTERM");
      const timer = setTimeout(() => signalGroup(proc.child, "SIGKILL"), graceMs);
      await proc.exited;
      clearTimeout(timer);
    }
    // Whatever the child itself spawned goes with its process group.
    signalGroup(proc.child, "SIGKILL");
  }
}

function isRunning(p: ManagedProcess): boolean {
  return p.child.exitCode === null && p.child.signalCode === null && p.child.pid !== undefined;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

const LEVELS: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };
/** pino fields that say nothing in a prefixed devnet line. */
const QUIET_FIELDS = new Set(["level", "time", "pid", "hostname", "service", "msg", "name", "v"]);

/**
 * A pino JSON line as `msg key=value ...` (warnings and errors tagged); other lines as they are.
 * Returns undefined for lines not worth showing (empty ones).
 */
export function formatLogLine(line: string, colour = false): string | undefined {
  if (line.trim() === "") return undefined;
  if (!line.startsWith("{")) return line;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof entry.level !== "number") return line;
  const level = LEVELS[entry.level] ?? String(entry.level);
  const fields = Object.entries(entry)
    .filter(([k]) => !QUIET_FIELDS.has(k))
    .map(([k, v]) => `${k}=${fieldText(v)}`);
  const text = [entry.msg ?? "", ...fields].join(" ");
  if (entry.level >= 50)
    return colour ? `\x1b[31m${level.toUpperCase()} ${text}\x1b[0m` : `${level.toUpperCase()} ${text}`;
  if (entry.level >= 40) return colour ? `\x1b[33mWARN ${text}\x1b[0m` : `WARN ${text}`;
  return text;
}

function fieldText(v: unknown): string {
  if (typeof v === "string") return /\s/.test(v) ? JSON.stringify(v) : v;
  if (v && typeof v === "object" && "message" in v && typeof (v as { message: unknown }).message === "string") {
    return JSON.stringify((v as { message: string }).message);
  }
  return JSON.stringify(v);
}
