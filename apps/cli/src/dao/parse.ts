/** Reads an action from the command line (`set-price --netuid 1 --tier standard --usd 0.00075`). */
import type { TierName } from "@noosphere/protocol";
import type { DaoAction, ProposalCall } from "./actions";
import { DaoError } from "./errors";

/**
 * Parses a command line such as `set-price --netuid 1 --tier standard --usd 0.00075`,
 * `set-rate --usd-per-noos 0.25`, `set-emission-share --netuid 1 --bps 2500`,
 * `allow-model --netuid 1 --model 0x… [--allowed false]`, `set-limits --netuid 1 --tier batch
 * --max-input 200 --max-output 1000` or `raw --target 0x… --calldata 0x… [--value 0]`.
 */
export function parseAction(argv: readonly string[]): DaoAction {
  const [kind, ...rest] = argv;
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const key = rest[i]!;
    const value = rest[i + 1];
    if (!key.startsWith("--") || value === undefined || value.startsWith("--")) {
      throw new DaoError("BAD_ACTION", `cannot read "${key}"`, "write flags as --name value");
    }
    flags.set(key.slice(2), value);
    i++;
  }
  const str = (name: string): string => {
    const v = flags.get(name);
    if (v === undefined) throw new DaoError("BAD_ACTION", `${kind} needs --${name}`, usageOf(kind));
    return v;
  };
  const int = (name: string): number => {
    const v = str(name);
    if (!/^\d+$/.test(v))
      throw new DaoError("BAD_ACTION", `--${name} must be a whole number, not "${v}"`, usageOf(kind));
    return Number(v);
  };
  switch (kind) {
    case "set-price":
      return { kind, netuid: int("netuid"), tier: tierArg(str("tier")), usd: str("usd") };
    case "set-limits":
      return {
        kind,
        netuid: int("netuid"),
        tier: tierArg(str("tier")),
        maxInput: int("max-input"),
        maxOutput: int("max-output"),
      };
    case "set-rate":
      return { kind, usdPerNoos: str("usd-per-noos") };
    case "set-emission-share":
      return { kind, netuid: int("netuid"), bps: int("bps") };
    case "allow-model": {
      const allowed = flags.get("allowed") ?? "true";
      if (allowed !== "true" && allowed !== "false") {
        throw new DaoError("BAD_ACTION", `--allowed must be true or false, not "${allowed}"`, usageOf(kind));
      }
      return { kind, netuid: int("netuid"), model: str("model"), allowed: allowed === "true" };
    }
    case "raw": {
      const value = flags.get("value") ?? "0";
      if (!/^\d+$/.test(value)) throw new DaoError("BAD_ACTION", `--value must be wei, not "${value}"`, usageOf(kind));
      return { kind, target: str("target"), calldata: str("calldata"), value: BigInt(value) };
    }
    default:
      throw new DaoError(
        "BAD_ACTION",
        `unknown action "${kind ?? ""}"`,
        `use one of: ${Object.keys(USAGE).join(", ")}`,
      );
  }
}

const USAGE: Record<string, string> = {
  "set-price": "set-price --netuid 1 --tier standard|batch --usd 0.00075",
  "set-limits": "set-limits --netuid 1 --tier standard|batch --max-input 200 --max-output 1000",
  "set-rate": "set-rate --usd-per-noos 0.25",
  "set-emission-share": "set-emission-share --netuid 1 --bps 2500",
  "allow-model": "allow-model --netuid 1 --model 0x<sha256> [--allowed true|false]",
  raw: "raw --target 0x<address> --calldata 0x<data> [--value <wei>]",
};

export function usageOf(kind: string | undefined): string {
  return `usage: ${USAGE[kind ?? ""] ?? Object.values(USAGE).join(" | ")}`;
}

/** A default proposal description listing the calls. */
export function describeCalls(calls: readonly ProposalCall[], title = "Parameter change"): string {
  return [`# ${title}`, "", ...calls.map((c) => `- ${c.summary}`)].join("\n");
}

function tierArg(value: string): TierName | number {
  if (value === "standard" || value === "batch") return value;
  if (value === "0" || value === "1") return Number(value);
  throw new DaoError("BAD_ACTION", `tier "${value}" does not exist`, "use standard or batch");
}
