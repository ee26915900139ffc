import type { Command } from "commander";
import { validatorCommand } from "./validator";
import { walletCommand } from "./wallet";

/** Each top-level command lives in its own file and adds itself here. */
export function registerCommands(program: Command): void {
  program.addCommand(walletCommand());
  program.addCommand(validatorCommand());
}
