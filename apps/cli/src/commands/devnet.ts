import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { UserError } from "../errors";

/** scripts/devnet.sh of this checkout (the devnet runs from a clone of the repository). */
const SCRIPT = path.resolve(__dirname, "..", "..", "..", "..", "scripts", "devnet.sh");

/** `noos devnet [flags]`: the same as `npm run devnet -- [flags]`. */
export function devnetCommand(): Command {
  return new Command("devnet")
    .description(
      "run the whole network on this machine (same as npm run devnet): a Hardhat chain with every contract, " +
        "two subnets, miners, validators, a gateway and the explorer; Ctrl-C stops it all (flags: noos devnet --help)",
    )
    .helpOption("--help-cli", "this command's own help (--help shows the devnet's flags)")
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .argument(
      "[flags...]",
      "passed to the devnet (--miners, --validators, --tempo, --no-explorer, --redis, --rpc, ...)",
    )
    .action(async (flags: string[]) => {
      if (!fs.existsSync(SCRIPT)) throw new UserError(`no ${SCRIPT}: noos devnet runs from a clone of the repository`);
      const child = spawn("bash", [SCRIPT, ...flags], { stdio: "inherit" });
      // A terminal's Ctrl-C reaches the devnet too (same process group): wait for it to stop.
      const ignore = () => {};
      process.on("SIGINT", ignore);
      process.on("SIGTERM", () => child.kill("SIGTERM"));
      const code = await new Promise<number>((resolve) =>
        child.on("exit", (c, signal) => resolve(c ?? (signal ? 130 : 1))),
      );
      process.exitCode = code;
    });
}
