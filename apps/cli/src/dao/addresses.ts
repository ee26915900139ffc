/** Where the DAO's contracts are: no global state, every function takes them. */
import type { ContractRunner } from "ethers";
import { NoosGovernor__factory } from "@noosphere/contracts";
import type { NoosGovernor } from "@noosphere/contracts";
import { DaoError } from "./errors";

/** Where the contracts are. Only `governor` is always needed; the others for the actions that target them. */
export interface DaoAddresses {
  governor: string;
  billing?: string;
  emission?: string;
  subnets?: string;
  token?: string;
}

export function governorAt(addresses: DaoAddresses, runner: ContractRunner): NoosGovernor {
  return NoosGovernor__factory.connect(need(addresses, "governor"), runner);
}

export function need(addresses: DaoAddresses, key: keyof DaoAddresses): string {
  const address = addresses[key];
  if (!address) {
    throw new DaoError("MISSING_ADDRESS", `no ${key} address`, `pass the ${key} contract's address (deployments file)`);
  }
  return address;
}
