import { Command } from "commander";
import { simCli, SIM_USAGE } from "@noosphere/yuma";
import { print } from "../chain/output";
import { UserError } from "../errors";

/** `noos sim yuma ...`: the reference Yuma simulation of packages/yuma, flags passed through. */
export function simCommand(): Command {
  const sim = new Command("sim").description("offline simulations");
  sim
    .command("yuma")
    .description("simulate a subnet's Yuma consensus (flags: see 'noos sim yuma --help')")
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument("[flags...]", "flags of the simulation")
    .action((flags: string[]) => {
      if (flags.includes("--help") || flags.includes("-h")) {
        print(SIM_USAGE.replace("usage: sim-cli", "usage: noos sim yuma"));
        return;
      }
      let out: string;
      try {
        out = simCli(flags);
      } catch (err) {
        throw new UserError((err as Error).message.replace(/usage: sim-cli/g, "usage: noos sim yuma"));
      }
      process.stdout.write(out);
    });
  return sim;
}
