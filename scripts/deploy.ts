/**
 * Deploys Noosphere: `npx hardhat run scripts/deploy.ts --network <network>`.
 *
 * Deploys every contract, applies the genesis, hands every admin and parameter role to the DAO
 * timelock and writes packages/contracts/deployments/<chainId>.json. Running it again against a
 * chain whose recorded contracts are live does nothing and says so.
 *
 * Genesis: on a Hardhat chain (id 31337) the devnet's (allocations to the devnet keys, emission
 * shares, prices, built-in models); elsewhere the JSON file named by NOOS_GENESIS (amounts as
 * decimal strings of 1e18 units), which is required there. Governance: the devnet's (a vote of
 * minutes) on a Hardhat chain only; elsewhere the genesis's `governance`, else PRODUCTION_GOVERNANCE
 * (a vote of a week, two days of timelock: packages/deploy/src/deploy-all.ts).
 * Network `rpc` reads NOOS_RPC_URL and signs with NOOS_DEPLOYER_KEY (hardhat.config.ts).
 */
import fs from "node:fs";
import hre from "hardhat";
import { launchNoosphere } from "@noosphere/deploy";
import type { Genesis } from "@noosphere/deploy";
import { devnetAccounts, devnetGenesis } from "@noosphere/devnet";

const HARDHAT_CHAIN_ID = 31337;

async function main(): Promise<void> {
  const [deployer] = await hre.ethers.getSigners();
  if (!deployer) throw new Error(`network ${hre.network.name} has no account to deploy with (set NOOS_DEPLOYER_KEY)`);
  const chainId = Number((await hre.ethers.provider.getNetwork()).chainId);
  const genesis = chainId === HARDHAT_CHAIN_ID ? hardhatGenesis() : genesisFromFile(process.env.NOOS_GENESIS);
  const log = (m: string) => console.log(`  ${m}`);
  console.log(`==> Noosphere on ${hre.network.name} (chain ${chainId}), deployer ${deployer.address}`);
  // Governance: the devnet's on a Hardhat chain; anywhere else the genesis's, else production's (days).
  const { deployed, file } = await launchNoosphere({ deployer, genesis, log });
  console.log(deployed ? `==> deployed; addresses in ${file}` : `==> already deployed; addresses in ${file}`);
}

/** The devnet genesis for its default size (4 miners, 2 validators). */
function hardhatGenesis(): Genesis {
  const a = devnetAccounts(4, 2);
  return devnetGenesis({
    deployer: a.deployer.address,
    subnetOwner: a.subnetOwner.address,
    client: a.client.address,
    validatorColdkeys: a.validators.map((v) => v.coldkey.address),
    minerColdkeys: a.miners.map((m) => m.coldkey.address),
  });
}

/** A genesis JSON file: bigints as decimal strings (converted back where the field is an amount). */
function genesisFromFile(file: string | undefined): Genesis {
  if (!file) throw new Error("this is not a Hardhat chain: name its genesis with NOOS_GENESIS=<file.json>");
  const amounts = new Set([
    "amount",
    "subnetLockCost",
    "usdMicros",
    "usdMicrosPerNoos",
    "mintRatio",
    "minDelegation",
    "kappa",
    "bondsMovingAverage",
    "proposalThreshold",
    "contestBond",
  ]);
  return JSON.parse(fs.readFileSync(file, "utf8"), (key, value) =>
    amounts.has(key) && typeof value === "string" ? BigInt(value) : value,
  ) as Genesis;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
