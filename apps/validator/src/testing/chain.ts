/**
 * A real chain for the validator's tests: a Hardhat node in a child process (so validator
 * processes can reach it over HTTP too), with the contracts deployed by the project's own
 * deploy helpers and a text-generation subnet whose neurons are the test's keys.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { HDNodeWallet, JsonRpcProvider, Mnemonic, Wallet } from "ethers";
import type { SubnetRegistry } from "@noosphere/contracts";
import { deployToken } from "../../../../scripts/deploy/token";
import { deployStaking } from "../../../../scripts/deploy/staking";
import { createSubnet, deploySubnetRegistry, registerNeuron, subnetParams } from "../../../../scripts/deploy/subnets";
import type { SubnetParams } from "../../../../scripts/deploy/subnets";

const ROOT = path.resolve(__dirname, "..", "..", "..", "..");
const DEV_MNEMONIC = "test test test test test test test test test test test junk";
export const E18 = 10n ** 18n;

/** Hardhat's funded development account `index` (0..19). */
export function devAccount(index: number, provider?: JsonRpcProvider): Wallet {
  const node = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${index}`);
  return new Wallet(node.privateKey, provider);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface TestChain {
  rpcUrl: string;
  provider: JsonRpcProvider;
  chainId: number;
  /** Mines `n` blocks at once. */
  mine(n: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `hardhat node` on a free port and waits until it answers. */
export async function startTestChain(): Promise<TestChain> {
  const port = await freePort();
  const hardhat = require.resolve("hardhat/internal/cli/cli.js", { paths: [ROOT] });
  const child: ChildProcess = spawn(process.execPath, [hardhat, "node", "--port", String(port), "--hostname", "127.0.0.1"], {
    cwd: ROOT,
    env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const rpcUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited (${child.exitCode}): ${stderr}`);
    try {
      const res = await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`hardhat node did not answer on ${rpcUrl}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  // cacheTimeout -1: back-to-back transactions must see fresh nonces (ethers caches calls for 250 ms).
  const provider = new JsonRpcProvider(rpcUrl, 31337, { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 });
  return {
    rpcUrl,
    provider,
    chainId: 31337,
    mine: async (n) => {
      await provider.send("hardhat_mine", ["0x" + n.toString(16)]);
    },
    stop: async () => {
      provider.destroy();
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    },
  };
}

export interface TestNetwork {
  subnets: SubnetRegistry;
  addresses: { token: string; staking: string; subnets: string };
  netuid: number;
  deployer: Wallet;
}

/**
 * Deploys token, staking and the subnet registry, and creates a subnet of `taskId` (no minimum
 * validator stake, so every registered hotkey holds a validator permit).
 */
export async function deployTestNetwork(chain: TestChain, params: Partial<SubnetParams> & { taskId: string }): Promise<TestNetwork> {
  const deployer = devAccount(0, chain.provider);
  const admin = deployer.address;
  const token = await deployToken(deployer, { admin });
  await (await token.grantRole(await token.MINTER_ROLE(), admin)).wait();
  const staking = await deployStaking(deployer, { token, admin });
  const subnets = await deploySubnetRegistry(deployer, { token, staking, admin });
  await (await token.mint(admin, 10_000n * E18)).wait();
  const netuid = await createSubnet(subnets, deployer, subnetParams({ minBurn: 0n, ...params }));
  return {
    subnets,
    netuid,
    deployer,
    addresses: {
      token: await token.getAddress(),
      staking: await staking.getAddress(),
      subnets: await subnets.getAddress(),
    },
  };
}

/** Registers `hotkey` (a funded dev account) on the subnet; it calls register itself (burn floor 0). */
export async function registerHotkey(network: TestNetwork, hotkey: Wallet): Promise<number> {
  return registerNeuron(network.subnets, hotkey, network.netuid, hotkey.address);
}

/** Publishes `hotkey`'s axon (it must be registered). */
export async function serveAxon(network: TestNetwork, hotkey: Wallet, host: string, port: number, modelHash = "0x" + "00".repeat(32)): Promise<void> {
  await (await network.subnets.connect(hotkey).serveAxon(network.netuid, host, port, "http", modelHash)).wait();
}
