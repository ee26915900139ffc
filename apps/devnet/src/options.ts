import path from "node:path";
import { Command } from "commander";
import { REPO_ROOT } from "./paths";

export interface DevnetOptions {
  miners: number;
  validators: number;
  tempo: number;
  explorer: boolean;
  redis?: string;
  rpc?: string;
  /** Hardhat node port (ignored with --rpc). */
  port: number;
  gatewayPort: number;
  explorerPort: number;
  blockTimeMs: number;
  /** Seconds between a miner's voucher redemptions. */
  redeemInterval: number;
  /** Keys, state file and logs of this devnet. */
  dir: string;
  /** Exit after setup instead of running until Ctrl-C (tests). */
  exitAfterSetup: boolean;
}

export function parseDevnetOptions(argv: string[]): DevnetOptions {
  const cmd = new Command("npm run devnet --")
    .description(
      "run the whole Noosphere network on this machine: a Hardhat chain with every contract, two subnets " +
        "(text-generation, ocr), miners, validators, a gateway and the explorer; Ctrl-C stops it all",
    )
    .option("--miners <n>", "miners, alternating between the two subnets", (v) => positiveInt(v, "--miners"), 4)
    .option("--validators <n>", "validators (each validates both subnets)", (v) => positiveInt(v, "--validators"), 2)
    .option("--tempo <blocks>", "blocks per epoch", (v) => positiveInt(v, "--tempo"), 20)
    .option("--no-explorer", "do not serve the explorer page")
    .option("--redis <url>", "use this Redis instead of 127.0.0.1:6379 (db 13) or one the devnet starts")
    .option("--rpc <url>", "use an existing chain (with Hardhat's funded accounts) instead of starting a Hardhat node")
    .option("--port <port>", "Hardhat node port", (v) => port(v, "--port"), 8545)
    .option("--gateway-port <port>", "gateway port", (v) => port(v, "--gateway-port"), 8700)
    .option("--explorer-port <port>", "explorer port", (v) => port(v, "--explorer-port"), 8600)
    .option("--block-time <ms>", "milliseconds per block", (v) => positiveInt(v, "--block-time"), 1000)
    .option(
      "--redeem-interval <seconds>",
      "seconds between a miner's voucher redemptions",
      (v) => positiveInt(v, "--redeem-interval"),
      30,
    )
    .option("--dir <path>", "folder for the devnet's keys and state file", path.join(REPO_ROOT, ".devnet"))
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
    gatewayPort: number;
    explorerPort: number;
    blockTime: number;
    redeemInterval: number;
    dir: string;
    exitAfterSetup: boolean;
  }>();
  const { blockTime, ...rest } = o;
  return { ...rest, dir: path.resolve(o.dir), blockTimeMs: blockTime };
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} takes a positive whole number, got "${value}"`);
  return n;
}

function port(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_535)
    throw new Error(`${flag} takes a port from 1 to 65535, got "${value}"`);
  return n;
}
