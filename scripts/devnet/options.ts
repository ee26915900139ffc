import { Command } from "commander";

export interface DevnetOptions {
  miners: number;
  validators: number;
  tempo: number;
  explorer: boolean;
  redis?: string;
  rpc?: string;
  port: number;
  blockTimeMs: number;
  /** Exit after setup instead of running until Ctrl-C (tests). */
  exitAfterSetup: boolean;
}

export function parseDevnetOptions(argv: string[]): DevnetOptions {
  const cmd = new Command("devnet")
    .description("run the whole Noosphere network on this machine")
    .option("--miners <n>", "miners (split over the two subnets)", (v) => positiveInt(v, "--miners"), 4)
    .option("--validators <n>", "validators (each validates both subnets)", (v) => positiveInt(v, "--validators"), 2)
    .option("--tempo <blocks>", "blocks per epoch", (v) => positiveInt(v, "--tempo"), 20)
    .option("--no-explorer", "do not serve the explorer page")
    .option("--redis <url>", "use this Redis instead of starting one")
    .option("--rpc <url>", "use an existing chain instead of starting a Hardhat node")
    .option("--port <port>", "Hardhat node port", (v) => positiveInt(v, "--port"), 8545)
    .option("--block-time <ms>", "milliseconds per block", (v) => positiveInt(v, "--block-time"), 1000)
    .option("--exit-after-setup", "deploy and set up, then stop (for tests)", false)
    .exitOverride();
  cmd.parse(argv, { from: "user" });
  const o = cmd.opts<{
    miners: number;
    validators: number;
    tempo: number;
    explorer: boolean;
    redis?: string;
    rpc?: string;
    port: number;
    blockTime: number;
    exitAfterSetup: boolean;
  }>();
  return { ...o, blockTimeMs: o.blockTime };
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} takes a positive whole number, got "${value}"`);
  return n;
}
