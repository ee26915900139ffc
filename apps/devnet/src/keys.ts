import fs from "node:fs";
import path from "node:path";
import { HDNodeWallet, Mnemonic, Wallet, getAddress } from "ethers";
import { saveKeystore } from "@noosphere/node-kit";
import { DEVNET_SUBNETS } from "./genesis";

/** Hardhat's well-known development mnemonic: its 20 accounts are funded with ETH for gas. */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";
const FUNDED_ACCOUNTS = 20;

export const DEVNET_PASSWORD = "devnet";

export interface NeuronKeys {
  /** Owns the hotkey in Staking, pays its registration and stakes on it. */
  coldkey: Wallet;
  /** The service's key: signs requests, responses, weights and redemptions. */
  hotkey: Wallet;
}

export interface DevnetAccounts {
  /** Deploys, then holds the genesis DAO votes (`noos dao ... --key <dir>/dao.json`). */
  deployer: Wallet;
  /** Creates the subnets (pays their lock) and owns the built-in models. */
  subnetOwner: Wallet;
  /** Holds the escrow the gateway spends. */
  client: Wallet;
  /** The gateway's hot key: a signer the client authorises in Billing. */
  gatewaySigner: Wallet;
  /** Runs due epochs (its own key: no nonce shared with anyone). */
  keeper: Wallet;
  validators: NeuronKeys[];
  /** Miner i serves DEVNET_SUBNETS[i % 2]. */
  miners: (NeuronKeys & { netuid: number })[];
}

export interface DevnetKeyFiles {
  dir: string;
  /** The deployer's key, holding the genesis DAO votes. */
  dao: string;
  gateway: string;
  client: string;
  validators: string[];
  miners: string[];
}

/**
 * Deterministic devnet accounts from Hardhat's funded accounts, always in the same order:
 * deployer, subnet owner, client, gateway, keeper, then (coldkey, hotkey) per validator and per
 * miner.
 */
export function devnetAccounts(miners: number, validators: number): DevnetAccounts {
  const needed = 5 + validators * 2 + miners * 2;
  if (needed > FUNDED_ACCOUNTS) {
    throw new Error(
      `the devnet has ${FUNDED_ACCOUNTS} funded accounts; ${validators} validators and ${miners} miners need ${needed} ` +
        `(5 + 2 per validator + 2 per miner): lower --miners or --validators`,
    );
  }
  let next = 0;
  const take = () => account(next++);
  const deployer = take();
  const subnetOwner = take();
  const client = take();
  const gatewaySigner = take();
  const keeper = take();
  const vs = Array.from({ length: validators }, () => ({ coldkey: take(), hotkey: take() }));
  const ms = Array.from({ length: miners }, (_, i) => ({
    coldkey: take(),
    hotkey: take(),
    netuid: DEVNET_SUBNETS[i % DEVNET_SUBNETS.length]!.netuid,
  }));
  return { deployer, subnetOwner, client, gatewaySigner, keeper, validators: vs, miners: ms };
}

/**
 * Writes the keystores (password "devnet") the services start with, as users run them
 * (`--key <file>`). A file already holding the right address is kept.
 */
export async function writeDevnetKeystores(dir: string, accounts: DevnetAccounts): Promise<DevnetKeyFiles> {
  fs.mkdirSync(dir, { recursive: true });
  const write = async (name: string, wallet: Wallet) => {
    const file = path.join(dir, `${name}.json`);
    if (keystoreAddress(file) !== wallet.address) await saveKeystore(file, wallet, DEVNET_PASSWORD, { light: true });
    return file;
  };
  const [dao, gateway, client, validators, miners] = await Promise.all([
    write("dao", accounts.deployer),
    write("gateway", accounts.gatewaySigner),
    write("client", accounts.client),
    Promise.all(accounts.validators.map((v, i) => write(`validator-${i}`, v.hotkey))),
    Promise.all(accounts.miners.map((m, i) => write(`miner-${i}`, m.hotkey))),
  ]);
  return { dir, dao, gateway, client, validators, miners };
}

function account(index: number): Wallet {
  const node = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${index}`);
  return new Wallet(node.privateKey);
}

/** The address recorded in a keystore's plain `address` field, without decrypting it. */
function keystoreAddress(file: string): string | undefined {
  try {
    const { address } = JSON.parse(fs.readFileSync(file, "utf8")) as { address?: string };
    return address ? getAddress(address.startsWith("0x") ? address : `0x${address}`) : undefined;
  } catch {
    return undefined;
  }
}
