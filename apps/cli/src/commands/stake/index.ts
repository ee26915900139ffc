import { Command } from "commander";
import { stakeAddCommand } from "./add";
import { stakeClaimCommand } from "./claim";
import { stakeRemoveCommand } from "./remove";
import { stakeShowCommand } from "./show";
import { stakeWithdrawCommand } from "./withdraw";

/** `noos stake add|remove|withdraw|show|claim`: delegation to hotkeys' share pools. */
export function stakeCommand(): Command {
  return new Command("stake")
    .description("delegate to hotkeys, unstake, withdraw after the cooldown, claim rewards")
    .addCommand(stakeAddCommand())
    .addCommand(stakeRemoveCommand())
    .addCommand(stakeWithdrawCommand())
    .addCommand(stakeShowCommand())
    .addCommand(stakeClaimCommand());
}
