/**
 * `npx tsx packages/yuma/src/sim-cli.ts [--epochs 100] [--miners 32] [--seed 1]
 *    [--validators honest:100,honest:100,copier:100,lazy:100] [--no-commit-reveal]
 *    [--noise 0.05] [--drift 0.05] [--churn 0.05]`
 * prints who earns what in a simulated subnet (see ./sim.ts).
 */
import { parseArgs } from "node:util";
import { simulate, type SimOptions, type SimResult, type SimValidator, type SimValidatorKind } from "./sim";

export const SIM_USAGE = `usage: sim-cli [--epochs N] [--miners N] [--seed N] [--validators kind:stake,...]
               [--commit-reveal | --no-commit-reveal] [--noise X] [--drift X] [--churn X]
  kinds: honest (noisy view of true quality), lazy (uniform weights), copier (copies public consensus)`;

/** Parses CLI flags into simulation options; throws an Error with a usage hint on bad flags. */
export function parseSimArgs(argv: string[]): SimOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      epochs: { type: "string", default: "100" },
      miners: { type: "string", default: "32" },
      seed: { type: "string", default: "1" },
      validators: { type: "string", default: "honest:100,honest:100,honest:100,copier:100,lazy:100" },
      "commit-reveal": { type: "boolean", default: true },
      "no-commit-reveal": { type: "boolean", default: false },
      noise: { type: "string" },
      drift: { type: "string" },
      churn: { type: "string" },
    },
    strict: true,
  });
  const int = (name: string, x: string | undefined, min: number): number => {
    const v = Number(x);
    if (!Number.isInteger(v) || v < min)
      throw new Error(`--${name} needs an integer >= ${min}, got "${x}"\n${SIM_USAGE}`);
    return v;
  };
  const real = (name: string, x: string | undefined): number | undefined => {
    if (x === undefined) return undefined;
    const v = Number(x);
    if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a number >= 0, got "${x}"\n${SIM_USAGE}`);
    return v;
  };
  const validators: SimValidator[] = (values.validators ?? "").split(",").map((spec) => {
    const [kind, stake] = spec.split(":");
    if (kind !== "honest" && kind !== "lazy" && kind !== "copier")
      throw new Error(`unknown validator kind "${kind}" in "${spec}": use honest, lazy or copier\n${SIM_USAGE}`);
    const s = Number(stake ?? "100");
    if (!Number.isFinite(s) || s <= 0) throw new Error(`validator "${spec}" needs a positive stake\n${SIM_USAGE}`);
    return { kind: kind as SimValidatorKind, stake: s };
  });
  return {
    epochs: int("epochs", values.epochs, 1),
    miners: int("miners", values.miners, 1),
    seed: int("seed", values.seed, 0),
    validators,
    commitReveal: values["no-commit-reveal"] ? false : (values["commit-reveal"] ?? true),
    noise: real("noise", values.noise),
    drift: real("drift", values.drift),
    churn: real("churn", values.churn),
  };
}

const tokens = (x: bigint): string => (Number(x) / 1e18).toFixed(3);

/** A plain-text table of a simulation's result. */
export function formatSimResult(opts: SimOptions, result: SimResult): string {
  const total = result.validators.reduce((a, v) => a + v.dividends, 0n);
  const lines = [
    `Yuma simulation: ${opts.epochs} epochs, ${opts.miners} miners, seed ${opts.seed}, commit-reveal ${opts.commitReveal ? "on" : "off"}`,
    "",
    "uid  kind     stake     dividends  per stake  share",
  ];
  for (const v of result.validators) {
    const share = total === 0n ? 0 : (Number(v.dividends) / Number(total)) * 100;
    lines.push(
      `${String(v.uid).padEnd(4)} ${v.kind.padEnd(8)} ${String(v.stake).padStart(5)} ${tokens(v.dividends).padStart(13)} ${v.perStake.toFixed(4).padStart(10)} ${share.toFixed(1).padStart(5)}%`,
    );
  }
  const top = [...result.miners]
    .sort((a, b) => (a.incentive > b.incentive ? -1 : a.incentive < b.incentive ? 1 : 0))
    .slice(0, 5);
  lines.push("", "top miners   quality  incentive");
  for (const m of top)
    lines.push(
      `uid ${String(m.uid).padEnd(8)} ${m.quality.toFixed(3).padStart(7)} ${tokens(m.incentive).padStart(10)}`,
    );
  lines.push("", `dust kept undistributed: ${result.dust} units`);
  return lines.join("\n") + "\n";
}

/** Runs the CLI on argv (without node and script) and returns the text to print. */
export function simCli(argv: string[]): string {
  const opts = parseSimArgs(argv);
  return formatSimResult(opts, simulate(opts));
}

if (require.main === module) {
  try {
    process.stdout.write(simCli(process.argv.slice(2)));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 2;
  }
}
