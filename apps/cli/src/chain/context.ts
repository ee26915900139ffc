import { Option } from "commander";
import type { Command } from "commander";
import { JsonRpcProvider, Network } from "ethers";
import type { Wallet } from "ethers";
import { connectRpc, loadKeystore } from "@noosphere/node-kit";
import {
  Emission__factory,
  loadDeployment,
  NoosToken__factory,
  Staking__factory,
  SubnetRegistry__factory,
} from "@noosphere/contracts";
import type { Deployment, Emission, NoosToken, Staking, SubnetRegistry } from "@noosphere/contracts";
import { UserError } from "../errors";

export const DEFAULT_RPC_URL = "http://127.0.0.1:8545";

/** Options of every command that reads the chain. */
export interface RpcOptions {
  rpc: string;
}

/** Options of every command that signs. */
export interface KeyOptions {
  key?: string;
  password?: string;
}

/** Adds `--rpc <url>` (default NOOS_RPC_URL, else the local devnet). */
export function withRpc(cmd: Command): Command {
  return cmd.addOption(
    new Option("--rpc <url>", "JSON-RPC endpoint of the chain").env("NOOS_RPC_URL").default(DEFAULT_RPC_URL),
  );
}

/** Adds `--key <keystore>` (required unless `optional`) and `--password` (default NOOS_KEY_PASSWORD). */
export function withKey(cmd: Command, { optional = false, description = "keystore of the signing key" } = {}): Command {
  const key = new Option("--key <keystore>", description);
  if (optional) cmd.addOption(key);
  else cmd.addOption(key.makeOptionMandatory());
  return cmd.addOption(new Option("--password <pw>", "keystore password").env("NOOS_KEY_PASSWORD"));
}

/** A connection to a Noosphere deployment: the provider and the contracts, read-only. */
export interface Chain {
  provider: JsonRpcProvider;
  chainId: number;
  deployment: Deployment;
  token: NoosToken;
  emission: Emission;
  staking: Staking;
  subnets: SubnetRegistry;
}

/**
 * Connects to `rpc`, loads the deployment for its chain id (a message naming `npm run devnet`
 * if there is none) and checks that the token is really deployed there, which catches a
 * deployment file left over from a chain that was restarted.
 */
export async function openChain({ rpc }: RpcOptions): Promise<Chain> {
  const probe = await connectRpc(rpc);
  const chainId = probe.chainId;
  probe.provider.destroy();
  // No response cache (ethers keeps identical calls for 250 ms by default): a command reads
  // right after its own transactions, and two back-to-back sends would reuse a nonce.
  const provider = new JsonRpcProvider(rpc, Network.from(chainId), {
    staticNetwork: true,
    batchMaxCount: 1,
    cacheTimeout: -1,
    pollingInterval: 1_000,
  });
  const deployment = loadDeployment(chainId);
  const { token, emission, staking, subnets } = deployment.contracts;
  if ((await provider.getCode(token)) === "0x") {
    throw new UserError(
      `no Noosphere token at ${token} on chain ${chainId}: the deployment file is stale (was the chain restarted?). ` +
        `Deploy again: npm run devnet`,
    );
  }
  return {
    provider,
    chainId,
    deployment,
    token: NoosToken__factory.connect(token, provider),
    emission: Emission__factory.connect(emission, provider),
    staking: Staking__factory.connect(staking, provider),
    subnets: SubnetRegistry__factory.connect(subnets, provider),
  };
}

/** Opens the keystore named by `--key` and connects it to the chain. */
export async function openSigner(chain: Chain, { key, password }: KeyOptions): Promise<Wallet> {
  if (!key) throw new UserError("this needs a signing key: pass --key <keystore> (create one with 'noos wallet new')");
  const wallet = await loadKeystore(key, password);
  return wallet.connect(chain.provider);
}

/** Runs `fn` with an open chain and closes the provider afterwards, so the process can exit. */
export async function withChain<T>(opts: RpcOptions, fn: (chain: Chain) => Promise<T>): Promise<T> {
  const chain = await openChain(opts);
  try {
    return await fn(chain);
  } finally {
    chain.provider.destroy();
  }
}
