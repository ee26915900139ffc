/**
 * A paid inference network on a real chain: a Hardhat node, the contracts, a priced text-generation
 * subnet whose miners serve the built-in noos-tiny ONNX model (on real ports, axons on-chain), an
 * optional OCR subnet with a PP-OCRv4 miner, and a client with NOOS in billing escrow. What a
 * gateway (or anything that calls miners for clients) needs to be tested against.
 */
import { NonceManager, Wallet, parseEther } from "ethers";
import type { JsonRpcProvider, Signer } from "ethers";
import type { Billing, ModelRegistry, NoosToken, SubnetRegistry } from "@noosphere/contracts";
import { createSubnet, registerNeuron, subnetParams } from "@noosphere/deploy";
import { silentLogger } from "@noosphere/node-kit";
import type { Logger } from "@noosphere/node-kit";
import { ContractChainView, loadTask } from "@noosphere/miner";
import type { TaskHandler } from "@noosphere/miner";
import { TIERS, voucherDomain, wireDomain } from "@noosphere/protocol";
import { deployTestContracts } from "./contracts";
import { startHardhatNode } from "./hardhat-node";
import { fundedWallet } from "./keys";
import { serveTestMiner } from "./miner";
import type { TestMiner } from "./miner";

/** A miner of the network: the app, and its registration. */
export interface NetworkMiner extends TestMiner {
  hotkey: Wallet;
  uid: number;
}

export interface InferenceNetworkOptions {
  /** Text miners (default 2). */
  miners?: number;
  /** USD micro-units per request and NOOS rate; price in NOOS = usdMicros / rate. */
  usdMicros?: bigint;
  usdMicrosPerNoos?: bigint;
  maxInputTokens?: number;
  maxOutputTokens?: number;
  /** NOOS the client deposits into escrow (default 1). */
  deposit?: bigint;
  royaltyBps?: number;
  /** Also an OCR subnet with one miner running PP-OCRv4 on the CPU. */
  ocr?: boolean;
  logger?: Logger;
}

/** The OCR subnet of a network started with `ocr: true`. */
export interface OcrSubnet {
  netuid: number;
  price: bigint;
  modelHash: string;
  miner: NetworkMiner;
}

export interface InferenceNetwork {
  rpcUrl: string;
  provider: JsonRpcProvider;
  chainId: number;
  admin: Signer;
  token: NoosToken;
  registry: SubnetRegistry;
  billing: Billing;
  models: ModelRegistry;
  netuid: number;
  tier: number;
  /** NOOS wei per request on (netuid, tier). */
  price: bigint;
  modelHash: string;
  modelOwner: Wallet;
  treasury: string;
  client: Wallet;
  miners: NetworkMiner[];
  ocr?: OcrSubnet;
  /** A new funded wallet (ETH for gas, and `noos` NOOS). */
  fundedWallet(noos?: bigint): Promise<Wallet>;
  stop(): Promise<void>;
}

export async function startInferenceNetwork(opts: InferenceNetworkOptions = {}): Promise<InferenceNetwork> {
  const logger = opts.logger ?? silentLogger();
  const node = await startHardhatNode();
  const { provider, rpcUrl, chainId } = node;
  const cleanups: (() => Promise<void>)[] = [() => node.stop()];
  const stop = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  try {
    const admin = new NonceManager(node.account(0));
    const treasury = Wallet.createRandom().address;
    const c = await deployTestContracts(admin, { billing: true, treasury });
    const { token, subnets: registry, billing, models } = c;
    const fund = (noos = 0n) => fundedWallet(provider, { token, noos });

    const netuid = await createSubnet(registry, admin, subnetParams({ taskId: "text-generation" }));
    const tier = TIERS.batch; // the test miners run on the CPU
    await (await billing.setRate(opts.usdMicrosPerNoos ?? 1_000_000n)).wait(); // 1 NOOS = 1 USD
    await (await billing.setPrice(netuid, tier, opts.usdMicros ?? 1_000n)).wait(); // 0.001 USD per request
    await (await billing.setLimits(netuid, tier, opts.maxInputTokens ?? 200, opts.maxOutputTokens ?? 64)).wait();
    const price = await billing.priceInNoos(netuid, tier);

    const loadText = () => loadTask({ taskId: "text-generation", model: "builtin:noos-tiny", device: "cpu", logger });
    const firstText = await loadText();
    const modelHash = firstText.modelHash;
    const modelOwner = await fund();
    await (
      await models
        .connect(modelOwner)
        .register(modelHash, "npm:@noosphere/inference/models/noos-tiny", "MIT", opts.royaltyBps ?? 500)
    ).wait();

    const startMiner = async (subnet: number, task: TaskHandler): Promise<NetworkMiner> => {
      const hotkey = await fund(parseEther("100"));
      const uid = await registerNeuron(registry.connect(hotkey), hotkey, subnet, hotkey.address);
      const miner = await serveTestMiner({
        task,
        hotkey,
        netuid: subnet,
        tier,
        wireDomain: wireDomain(chainId, c.deployment.contracts.subnets),
        voucherDomain: voucherDomain(chainId, c.deployment.contracts.billing),
        chain: new ContractChainView({ subnets: registry, billing, netuid: subnet, tier, miner: hotkey.address }),
        logger,
      });
      cleanups.push(() => miner.close());
      await (await registry.connect(hotkey).serveAxon(subnet, miner.host, miner.port, "http", task.modelHash)).wait();
      return Object.assign(miner, { hotkey, uid });
    };

    const miners: NetworkMiner[] = [];
    for (let i = 0; i < (opts.miners ?? 2); i++)
      miners.push(await startMiner(netuid, i === 0 ? firstText : await loadText()));

    let ocr: OcrSubnet | undefined;
    if (opts.ocr) {
      const ocrNetuid = await createSubnet(registry, admin, subnetParams({ taskId: "ocr" }));
      await (await billing.setPrice(ocrNetuid, tier, opts.usdMicros ?? 1_000n)).wait();
      const task = await loadTask({ taskId: "ocr", model: "builtin:ppocr-v4", device: "cpu", logger });
      const miner = await startMiner(ocrNetuid, task);
      ocr = { netuid: ocrNetuid, price: await billing.priceInNoos(ocrNetuid, tier), modelHash: task.modelHash, miner };
    }

    const client = await fund(parseEther("1000"));
    await (await token.connect(client).approve(await billing.getAddress(), parseEther("1000"))).wait();
    await (await billing.connect(client).deposit(opts.deposit ?? parseEther("1"))).wait();

    return {
      rpcUrl,
      provider,
      chainId,
      admin,
      token,
      registry,
      billing,
      models,
      netuid,
      tier,
      price,
      modelHash,
      modelOwner,
      treasury,
      client,
      miners,
      ocr,
      fundedWallet: fund,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
