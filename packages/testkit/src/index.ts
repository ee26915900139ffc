// @noosphere/testkit: what every app's tests need, in one place. This entry: a Hardhat node, its
// funded accounts, the contracts deployed with the project's deploy code, funded wallets and
// keystores. "./redis": a Redis namespace. "./miner": a miner app with a real model.
// "./network": a whole paid inference network (chain, priced subnets, miners, a client's escrow).
export { startHardhatNode } from "./hardhat-node";
export type { HardhatNode } from "./hardhat-node";
export { HARDHAT_MNEMONIC, devAccount, hdAccount } from "./accounts";
export { deployTestContracts, writeTestDeployment } from "./contracts";
export type { TestContracts, TestContractsOptions } from "./contracts";
export { fundedWallet, writeTestKeystore } from "./keys";
export { freePort } from "@noosphere/node-kit";
