/**
 * A real chain for the validator's tests: a Hardhat node in a child process (so validator
 * processes can reach it over HTTP too), with the contracts deployed by the project's own
 * deploy helpers and a text-generation subnet whose neurons are the test's keys.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import fs from "node:fs";
import { ContractFactory, HDNodeWallet, JsonRpcProvider, Mnemonic, Wallet } from "ethers";
import type { Signer } from "ethers";
import { Consensus__factory } from "@noosphere/contracts";
import type { Billing, Consensus, NoosToken, Staking, SubnetRegistry } from "@noosphere/contracts";
import {
  deployBilling,
  deployModelRegistry,
  deployEmission,
  deployToken,
  deployStaking,
  createSubnet,
  deploySubnetRegistry,
  registerNeuron,
  subnetParams,
} from "@noosphere/deploy";
import type { SubnetParams } from "@noosphere/deploy";

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
  const child: ChildProcess = spawn(
    process.execPath,
    [hardhat, "node", "--port", String(port), "--hostname", "127.0.0.1"],
    {
      cwd: ROOT,
      env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
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
  token: NoosToken;
  staking: Staking;
  subnets: SubnetRegistry;
  consensus: Consensus;
  billing: Billing;
  addresses: {
    token: string;
    emission: string;
    staking: string;
    subnets: string;
    consensus: string;
    billing: string;
    models: string;
  };
  netuid: number;
  deployer: Wallet;
}

/** Per-call limits the test subnet's billing sets on both tiers. */
export const TEST_LIMITS = { maxInputTokens: 200, maxOutputTokens: 1000 };

/**
 * Deploys token, emission, staking, the subnet registry, consensus (with its roles), the model
 * registry and billing, and creates a subnet of `taskId` (zero burn floor, no minimum validator
 * stake) with a price and per-call limits on both tiers.
 */
export async function deployTestNetwork(
  chain: TestChain,
  params: Partial<SubnetParams> & { taskId: string },
): Promise<TestNetwork> {
  const deployer = devAccount(0, chain.provider);
  const admin = deployer.address;
  const token = await deployToken(deployer, { admin });
  await (await token.grantRole(await token.MINTER_ROLE(), admin)).wait();
  const emission = await deployEmission(deployer, { token, admin, treasury: admin });
  await (await token.grantRole(await token.MINTER_ROLE(), await emission.getAddress())).wait();
  const staking = await deployStaking(deployer, { token, admin });
  const subnets = await deploySubnetRegistry(deployer, { token, staking, admin });
  const models = await deployModelRegistry(deployer);
  const billing = await deployBilling(deployer, { token, models, treasury: admin });
  const addresses = {
    token: await token.getAddress(),
    emission: await emission.getAddress(),
    staking: await staking.getAddress(),
    subnets: await subnets.getAddress(),
    consensus: "",
    billing: await billing.getAddress(),
    models: await models.getAddress(),
  };
  const consensus = await deployConsensusLinked(deployer, { ...addresses, admin });
  addresses.consensus = await consensus.getAddress();
  await (await emission.grantRole(await emission.DISTRIBUTOR_ROLE(), addresses.consensus)).wait();
  await (await staking.grantRole(await staking.REWARDER_ROLE(), addresses.consensus)).wait();
  await (await subnets.grantRole(await subnets.EPOCH_ROLE(), addresses.consensus)).wait();
  await (await token.mint(admin, 10_000n * E18)).wait();
  const netuid = await createSubnet(subnets, deployer, subnetParams({ minBurn: 0n, ...params }));
  await (await billing.setRate(250_000n)).wait();
  for (const tier of [0, 1]) {
    await (await billing.setPrice(netuid, tier, 1_000n)).wait();
    await (await billing.setLimits(netuid, tier, TEST_LIMITS.maxInputTokens, TEST_LIMITS.maxOutputTokens)).wait();
  }
  return { token, staking, subnets, consensus, billing, netuid, deployer, addresses };
}

/** Registers `hotkey` in Staking (owned by the deployer) and delegates `amount` NOOS to it. */
export async function stakeOn(network: TestNetwork, hotkey: Wallet, amount: bigint): Promise<void> {
  await (await network.staking.connect(hotkey).registerHotkey(network.deployer.address)).wait();
  await (await network.token.connect(network.deployer).approve(network.addresses.staking, amount)).wait();
  await (await network.staking.connect(network.deployer).delegate(hotkey.address, amount, 0n)).wait();
}

/** Registers `hotkey` (a funded dev account) on the subnet; it calls register itself (burn floor 0). */
export async function registerHotkey(network: TestNetwork, hotkey: Wallet): Promise<number> {
  return registerNeuron(network.subnets, hotkey, network.netuid, hotkey.address);
}

/** Publishes `hotkey`'s axon (it must be registered). */
export async function serveAxon(
  network: TestNetwork,
  hotkey: Wallet,
  host: string,
  port: number,
  modelHash = "0x" + "00".repeat(32),
): Promise<void> {
  await (await network.subnets.connect(hotkey).serveAxon(network.netuid, host, port, "http", modelHash)).wait();
}

const EPOCH_LIBRARIES = ["EpochStartLib", "EpochConsensusLib", "EpochPayLib"] as const;

/**
 * Consensus with its epoch libraries, deployed from the compiled artifacts. (scripts/deploy/
 * consensus.ts does the same through hardhat's runtime, which takes ~15 s to load inside jest.)
 */
async function deployConsensusLinked(
  deployer: Signer,
  deps: { token: string; emission: string; staking: string; subnets: string; admin: string },
): Promise<Consensus> {
  const links: Record<string, string> = {};
  for (const name of EPOCH_LIBRARIES) {
    const file = path.join(ROOT, "artifacts", "contracts", "consensus", `${name}.sol`, `${name}.json`);
    const artifact = JSON.parse(fs.readFileSync(file, "utf8")) as { abi: []; bytecode: string };
    const lib = await new ContractFactory(artifact.abi, artifact.bytecode, deployer).deploy();
    await lib.waitForDeployment();
    links[`contracts/consensus/${name}.sol:${name}`] = await lib.getAddress();
  }
  const bytecode = Consensus__factory.linkBytecode(
    links as unknown as Parameters<typeof Consensus__factory.linkBytecode>[0],
  );
  const deployed = await new ContractFactory(Consensus__factory.abi, bytecode, deployer).deploy(
    deps.token,
    deps.emission,
    deps.staking,
    deps.subnets,
    deps.admin,
  );
  await deployed.waitForDeployment();
  return Consensus__factory.connect(await deployed.getAddress(), deployer);
}

/** Sets the subnet's consensus parameters: the defaults with `overrides`. */
export async function configureConsensus(
  network: TestNetwork,
  overrides: Partial<{ weightsRateLimit: number; activityCutoff: number; maxWeight: number; versionKey: bigint }>,
): Promise<void> {
  const d = await network.consensus.defaultParams();
  await (
    await network.consensus.connect(network.deployer).setParams(network.netuid, {
      configured: true,
      kappa: d.kappa,
      bondsMovingAverage: d.bondsMovingAverage,
      bondsPenalty: d.bondsPenalty,
      liquidAlpha: d.liquidAlpha,
      alphaLow: d.alphaLow,
      alphaHigh: d.alphaHigh,
      alphaSteepness: d.alphaSteepness,
      consensusMode: d.consensusMode,
      activityCutoff: overrides.activityCutoff ?? d.activityCutoff,
      weightsRateLimit: overrides.weightsRateLimit ?? d.weightsRateLimit,
      maxWeight: overrides.maxWeight ?? d.maxWeight,
      versionKey: overrides.versionKey ?? d.versionKey,
    })
  ).wait();
}
