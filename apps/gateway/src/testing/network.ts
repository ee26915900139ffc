/**
 * A real network for the gateway's tests and bench: a Hardhat node in a child process, every
 * contract deployed with the project's deploy helpers, a text-generation subnet, miners built with
 * buildMinerApp over the built-in noos-tiny ONNX model (listening on real ports, axons on-chain),
 * and a client with NOOS in billing escrow.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { JsonRpcProvider, NonceManager, Wallet, parseEther } from "ethers";
import type { Signer } from "ethers";
import type { FastifyInstance } from "fastify";
import { TIERS, voucherDomain, wireDomain } from "@noosphere/protocol";
import { silentLogger } from "@noosphere/node-kit";
import type { Logger } from "@noosphere/node-kit";
import { ContractChainView, VoucherBook, buildMinerApp, loadTask } from "@noosphere/miner";
import type { TaskHandler } from "@noosphere/miner";
import type { Billing, ModelRegistry, NoosToken, SubnetRegistry } from "@noosphere/contracts";
import {
  deployBilling,
  deployModelRegistry,
  deployStaking,
  createSubnet,
  deploySubnetRegistry,
  registerNeuron,
  subnetParams,
  deployToken,
} from "@noosphere/deploy";
import { ContractsChainView } from "../chain/contracts-chain-view";

const ROOT = path.resolve(__dirname, "..", "..", "..", "..");
/** Hardhat's first development account (funded with ETH by every Hardhat node). */
const HARDHAT_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

export interface TestMiner {
  hotkey: Wallet;
  uid: number;
  url: string;
  port: number;
  app: FastifyInstance;
  book: VoucherBook;
  /** POST /v1/infer requests this miner received (answered or not). */
  calls: number;
  /** Stops answering (the port is closed); `start` listens on the same port again. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface TestNetworkOptions {
  miners?: number;
  /** USD micro-units per request and NOOS rate; price in NOOS = usdMicros / rate. */
  usdMicros?: bigint;
  usdMicrosPerNoos?: bigint;
  maxInputTokens?: number;
  maxOutputTokens?: number;
  /** NOOS the client deposits into escrow. */
  deposit?: bigint;
  royaltyBps?: number;
  /** Also an OCR subnet with one miner running PP-OCRv4 on the CPU. */
  ocr?: boolean;
  logger?: Logger;
}

/** The OCR subnet of a TestNetwork started with `ocr: true`. */
export interface TestOcrSubnet {
  netuid: number;
  price: bigint;
  modelHash: string;
  miner: TestMiner;
}

export interface TestNetwork {
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
  miners: TestMiner[];
  ocr?: TestOcrSubnet;
  chainView(): ContractsChainView;
  /** A new funded wallet (ETH for gas, and `noos` NOOS). */
  fundedWallet(noos?: bigint): Promise<Wallet>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function startHardhatNode(): Promise<{ child: ChildProcess; rpcUrl: string; provider: JsonRpcProvider }> {
  const port = await freePort();
  const cli = require.resolve("hardhat/internal/cli/cli.js", { paths: [ROOT] });
  const child = spawn(process.execPath, [cli, "node", "--port", String(port), "--hostname", "127.0.0.1"], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" },
  });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
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
      const { result } = (await res.json()) as { result?: string };
      if (result) {
        const provider = new JsonRpcProvider(rpcUrl, Number(result), { staticNetwork: true, cacheTimeout: -1 });
        return { child, rpcUrl, provider };
      }
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`no Hardhat node answered at ${rpcUrl}: ${stderr}`);
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function startTestNetwork(opts: TestNetworkOptions = {}): Promise<TestNetwork> {
  const logger = opts.logger ?? silentLogger();
  const node = await startHardhatNode();
  const { provider, rpcUrl } = node;
  const cleanups: (() => Promise<void>)[] = [
    async () => {
      node.child.kill("SIGTERM");
    },
  ];
  const stop = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
    provider.destroy();
  };
  try {
    const chainId = Number((await provider.getNetwork()).chainId);
    const adminWallet = new Wallet(HARDHAT_KEY_0, provider);
    const admin = new NonceManager(adminWallet);
    const adminAddress = adminWallet.address;

    const token = await deployToken(admin, { admin: adminAddress });
    await (await token.grantRole(await token.MINTER_ROLE(), adminAddress)).wait();
    const tokenAddress = await token.getAddress();
    const staking = await deployStaking(admin, { token: tokenAddress, admin: adminAddress });
    const registry = await deploySubnetRegistry(admin, {
      token: tokenAddress,
      staking: await staking.getAddress(),
      admin: adminAddress,
    });
    const models = await deployModelRegistry(admin);
    const treasury = Wallet.createRandom().address;
    const billing = await deployBilling(admin, { token: tokenAddress, models: await models.getAddress(), treasury });
    const billingAddress = await billing.getAddress();
    const registryAddress = await registry.getAddress();

    const fundedWallet = async (noos = 0n): Promise<Wallet> => {
      const w = new Wallet(Wallet.createRandom().privateKey, provider);
      await provider.send("hardhat_setBalance", [w.address, "0x56BC75E2D63100000"]); // 100 ETH
      if (noos > 0n) await (await token.mint(w.address, noos)).wait();
      return w;
    };

    const netuid = await createSubnet(registry, admin, subnetParams({ taskId: "text-generation" }));
    const tier = TIERS.batch; // the test miners run on the CPU
    await (await billing.setRate(opts.usdMicrosPerNoos ?? 1_000_000n)).wait(); // 1 NOOS = 1 USD
    await (await billing.setPrice(netuid, tier, opts.usdMicros ?? 1_000n)).wait(); // 0.001 USD per request
    await (await billing.setLimits(netuid, tier, opts.maxInputTokens ?? 200, opts.maxOutputTokens ?? 64)).wait();
    const price = await billing.priceInNoos(netuid, tier);

    const loadText = () => loadTask({ taskId: "text-generation", model: "builtin:noos-tiny", device: "cpu", logger });
    const firstText = await loadText();
    const modelHash = firstText.modelHash;
    const modelOwner = await fundedWallet();
    await (
      await models
        .connect(modelOwner)
        .register(modelHash, "npm:@noosphere/inference/models/noos-tiny", "MIT", opts.royaltyBps ?? 500)
    ).wait();

    const startMiner = async (subnet: number, task: TaskHandler): Promise<TestMiner> => {
      const hotkey = await fundedWallet(parseEther("100"));
      const uid = await registerNeuron(registry.connect(hotkey), hotkey, subnet, hotkey.address);
      const chain = new ContractChainView({ subnets: registry, billing, netuid: subnet, tier, miner: hotkey.address });
      const book = new VoucherBook();
      const app = buildMinerApp({
        task,
        hotkey,
        netuid: subnet,
        tier,
        wireDomain: wireDomain(chainId, registryAddress),
        voucherDomain: voucherDomain(chainId, billingAddress),
        chain,
        book,
        concurrency: 2,
        logger,
      });
      const counter = { calls: 0 };
      app.addHook("onRequest", async (req) => {
        if (req.url === "/v1/infer") counter.calls++;
      });
      await app.listen({ port: 0, host: "127.0.0.1" });
      const port = (app.server.address() as net.AddressInfo).port;
      await (await registry.connect(hotkey).serveAxon(subnet, "127.0.0.1", port, "http", task.modelHash)).wait();
      cleanups.push(async () => {
        if (app.server.listening) app.server.closeAllConnections();
        await app.close();
      });
      return {
        hotkey,
        uid,
        url: `http://127.0.0.1:${port}`,
        port,
        app,
        book,
        get calls() {
          return counter.calls;
        },
        stop: async () => {
          app.server.closeAllConnections();
          await new Promise<void>((r) => app.server.close(() => r()));
        },
        start: async () => {
          await new Promise<void>((resolve, reject) => {
            app.server.once("error", reject);
            app.server.listen(port, "127.0.0.1", () => resolve());
          });
        },
      };
    };

    const miners: TestMiner[] = [];
    for (let i = 0; i < (opts.miners ?? 2); i++)
      miners.push(await startMiner(netuid, i === 0 ? firstText : await loadText()));

    let ocr: TestOcrSubnet | undefined;
    if (opts.ocr) {
      const ocrNetuid = await createSubnet(registry, admin, subnetParams({ taskId: "ocr" }));
      await (await billing.setPrice(ocrNetuid, tier, opts.usdMicros ?? 1_000n)).wait();
      const task = await loadTask({ taskId: "ocr", model: "builtin:ppocr-v4", device: "cpu", logger });
      const miner = await startMiner(ocrNetuid, task);
      const ocrHash = task.modelHash;
      ocr = { netuid: ocrNetuid, price: await billing.priceInNoos(ocrNetuid, tier), modelHash: ocrHash, miner };
    }

    const client = await fundedWallet(parseEther("1000"));
    await (await token.connect(client).approve(billingAddress, parseEther("1000"))).wait();
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
      chainView: () => new ContractsChainView({ provider, chainId, subnets: registryAddress, billing: billingAddress }),
      fundedWallet,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
