import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";

/**
 * A small bash process that outlives the devnet if it dies without cleaning up (SIGKILL, a
 * crash): once the devnet's pid is gone it stops every process group listed in `file` (one
 * "<kind> <pgid>" line each, appended with {@link recordChild}): services first, then Redis and
 * the chain (so miners can still redeem), SIGKILL for whatever is left. A clean stop kills the
 * reaper and removes the file first, so it does nothing then.
 */
export function startReaper(file: string, devnetPid = process.pid): ChildProcess {
  fs.writeFileSync(file, "");
  const script = `
    while kill -0 ${devnetPid} 2>/dev/null; do sleep 1; done
    [ -s "$1" ] || exit 0
    groups() { awk -v want="$1" '($1 == "chain" || $1 == "redis") == (want == "base") { print $2 }' "$2"; }
    for g in $(groups services "$1"); do kill -TERM -- -"$g" 2>/dev/null; done
    sleep 8
    for g in $(groups base "$1"); do kill -TERM -- -"$g" 2>/dev/null; done
    sleep 2
    for g in $(awk '{ print $2 }' "$1"); do kill -KILL -- -"$g" 2>/dev/null; done
    rm -f "$1"`;
  const reaper = spawn("bash", ["-c", script, "devnet-reaper", file], { detached: true, stdio: "ignore" });
  reaper.unref();
  return reaper;
}

/** Lists a child's process group for the reaper. */
export function recordChild(file: string, kind: string, pid: number): void {
  fs.appendFileSync(file, `${kind} ${pid}\n`);
}

/** After a clean stop: the reaper has nothing left to do. */
export function stopReaper(reaper: ChildProcess, file: string): void {
  fs.rmSync(file, { force: true });
  try {
    reaper.kill("SIGKILL");
  } catch {
    /* gone */
  }
}
