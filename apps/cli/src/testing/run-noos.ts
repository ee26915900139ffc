import { execFile } from "node:child_process";
import path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "../../../..");
export const NOOS_BIN = path.join(REPO_ROOT, "apps/cli/bin/noos.js");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `noos` binary (node apps/cli/bin/noos.js) with `args` and extra environment. */
export function runNoos(args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [NOOS_BIN, ...args],
      { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
