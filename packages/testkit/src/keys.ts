import path from "node:path";
import { Wallet } from "ethers";
import type { JsonRpcProvider } from "ethers";
import type { NoosToken } from "@noosphere/contracts";
import { saveKeystore } from "@noosphere/node-kit";

/** 100 ETH, for gas. */
const GAS_MONEY = "0x56BC75E2D63100000";

/**
 * A new random wallet on a Hardhat node with 100 ETH and, if `noos` is given, that much NOOS minted by
 * `token` (connected to a MINTER_ROLE holder).
 */
export async function fundedWallet(
  provider: JsonRpcProvider,
  funds: { token?: NoosToken; noos?: bigint } = {},
): Promise<Wallet> {
  const wallet = new Wallet(Wallet.createRandom().privateKey, provider);
  await provider.send("hardhat_setBalance", [wallet.address, GAS_MONEY]);
  if (funds.token && funds.noos && funds.noos > 0n) await (await funds.token.mint(wallet.address, funds.noos)).wait();
  return wallet;
}

/** Writes `wallet` to `<dir>/<name>.json`, a light keystore (fast scrypt), and returns its path. */
export async function writeTestKeystore(dir: string, name: string, wallet: Wallet, password: string): Promise<string> {
  const file = path.join(dir, `${name}.json`);
  await saveKeystore(file, wallet, password, { light: true });
  return file;
}
