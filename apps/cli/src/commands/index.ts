import type { Command } from "commander";
import { minerCommand } from "./miner";
import { validatorCommand } from "./validator";
import { walletCommand } from "./wallet";
import { statusCommand } from "./status";
import { subnetCommand } from "./subnet";
import { registerCommand } from "./register";
import { stakeCommand } from "./stake";
import { takeCommand } from "./take";
import { simCommand } from "./sim";
import { gatewayCommand } from "./gateway";
import { daoCommand } from "./dao";
import { billingCommand } from "./billing";
import { explorerCommand } from "./explorer";
import { devnetCommand } from "./devnet";

/** Each top-level command lives in its own file and adds itself here. */
export function registerCommands(program: Command): void {
  program.addCommand(walletCommand());
  program.addCommand(statusCommand());
  program.addCommand(subnetCommand());
  program.addCommand(registerCommand());
  program.addCommand(stakeCommand());
  program.addCommand(takeCommand());
  program.addCommand(simCommand());
  program.addCommand(gatewayCommand());
  program.addCommand(daoCommand());
  program.addCommand(billingCommand());
  program.addCommand(minerCommand());
  program.addCommand(validatorCommand());
  program.addCommand(explorerCommand());
  program.addCommand(devnetCommand());
}
