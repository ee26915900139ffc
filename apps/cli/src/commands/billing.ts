import { Command } from "commander";
import { formatReport, weeklyReport, weekOf } from "../billing/report";
import { withChain, withRpc } from "../chain/context";
import type { RpcOptions } from "../chain/context";
import { print } from "../chain/output";
import { UserError } from "../errors";

/** `noos billing report --week [N]`: what each client paid (burned) and each miner earned (minted). */
export function billingCommand(): Command {
  const billing = new Command("billing").description("billing reports from the chain's events");
  withRpc(billing.command("report"))
    .description("burned and minted per client, per miner and per model for one week")
    .option("--week [n]", "week number (unix time / 1 week); default: the current week")
    .action((opts: RpcOptions & { week?: string | boolean }) =>
      withChain(opts, async (chain) => {
        let week: bigint | undefined;
        if (typeof opts.week === "string") {
          if (!/^\d+$/.test(opts.week)) throw new UserError(`--week takes a week number, got "${opts.week}"`);
          week = BigInt(opts.week);
        }
        const report = await weeklyReport(chain.provider, chain.deployment.contracts.billing, {
          week,
          fromBlock: chain.deployment.deployedAtBlock,
        });
        print(formatReport(report));
        if (week === undefined) print(`(week ${weekOf(Math.floor(Date.now() / 1000))} is this week)`);
      }),
    );
  return billing;
}
