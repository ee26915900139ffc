import fs from "node:fs";
import path from "node:path";
import { HDNodeWallet, Mnemonic, Wallet } from "ethers";
import { saveKeystore } from "../../packages/node-kit/src/keystore";

/** Hardhat's well-known development mnemonic: its accounts are funded with ETH for gas. */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";

export const DEVNET_PASSWORD = "devnet";

export interface DevnetKeys {
  deployer: Wallet;
  subnetOwner: Wallet;
  validators: { coldkey: Wallet; hotkey: Wallet; keyFile: string }[];
  miners: { coldkey: Wallet; hotkey: Wallet; keyFile: string; netuid: number }[];
  client: Wallet;
  gatewaySigner: Wallet & { keyFile?: string };
  gatewayKeyFile: string;
}

function account(index: number): Wallet {
  const node = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${index}`);
  return new Wallet(node.privateKey);
}

/**
 * Deterministic devnet keys from Hardhat's funded accounts (20 of them), written as keystores
 * (password "devnet") so services start with `--key <file>` exactly as users run them.
 */
export async function devnetKeys(dir: string, miners: number, validators: number): Promise<DevnetKeys> {
  const needed = 4 + validators * 2 + miners * 2;
  if (needed > 20) throw new Error(`the devnet funds 20 accounts; ${validators} validators and ${miners} miners need ${needed}`);
  fs.mkdirSync(dir, { recursive: true });
  let next = 0;
  const take = () => account(next++);
  const write = async (name: string, w: Wallet) => {
    const file = path.join(dir, `${name}.json`);
    if (!fs.existsSync(file)) await saveKeystore(file, w, DEVNET_PASSWORD, { light: true });
    return file;
  };
  const deployer = take();
  const subnetOwner = take();
  const client = take();
  const gatewaySigner = take();
  const gatewayKeyFile = await write("gateway", gatewaySigner);
  const vs = [];
  for (let i = 0; i < validators; i++) {
    const coldkey = take();
    const hotkey = take();
    vs.push({ coldkey, hotkey, keyFile: await write(`validator-${i}`, hotkey) });
  }
  const ms = [];
  for (let i = 0; i < miners; i++) {
    const coldkey = take();
    const hotkey = take();
    const netuid = (i % 2) + 1; // alternate: text-generation (1), ocr (2)
    ms.push({ coldkey, hotkey, netuid, keyFile: await write(`miner-${i}`, hotkey) });
  }
  return { deployer, subnetOwner, validators: vs, miners: ms, client, gatewaySigner, gatewayKeyFile };
}
