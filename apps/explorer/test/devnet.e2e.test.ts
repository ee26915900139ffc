/**
 * End to end: `npm run devnet` (scripts/devnet.sh) with a 10-block tempo, then
 * - the explorer page in a real headless Chromium: subnets, neurons, a playground prompt answered
 *   through the gateway (screenshot kept in apps/explorer/test-artifacts/);
 * - on-chain: epochs pay the subnet owner 18% and miners and validators half each of the rest;
 *   both validators commit and reveal weights on both subnets; the gateway's request burned the
 *   client's escrow and minted the miner's share to it;
 * - governance: a proposal made and voted with `noos dao` shows on the explorer with its state and votes;
 * - Ctrl-C stops everything (miners redeem first) and leaves no process running.
 * Needs Chromium (CHROMIUM_PATH, or chromium / chromium-browser / google-chrome on the PATH) and
 * redis-server or a Redis on 127.0.0.1:6379.
 */
import fs from "node:fs";
import path from "node:path";
import { execFile, execFileSync } from "node:child_process";
import { JsonRpcProvider, Network, ZeroAddress, parseEther } from "ethers";
import type { Log } from "ethers";
import { chromium } from "playwright-core";
import type { Browser, Page } from "playwright-core";
import { Billing__factory, Consensus__factory, NoosToken__factory, Staking__factory } from "@noosphere/contracts";
import { characterErrorRate, renderTextImage } from "@noosphere/inference";
import { processAlive, spawnDevnet, devnetAccounts } from "@noosphere/devnet";
import type { SpawnedDevnet, DevnetState } from "@noosphere/devnet";

const ARTIFACTS = path.join(__dirname, "..", "test-artifacts");
const TEMPO = 10;
const OWNER_CUT_BPS = 1_800n;
const accounts = devnetAccounts(4, 2);

let devnet: SpawnedDevnet;
let state: DevnetState;
let provider: JsonRpcProvider;
let browser: Browser | undefined;
let page: Page | undefined;

beforeAll(async () => {
  devnet = await spawnDevnet({ via: "npm", args: ["--tempo", String(TEMPO), "--redeem-interval", "5"] });
  state = await devnet.waitFor("services up", (s) => s.readyMs !== undefined, 240_000);
  provider = new JsonRpcProvider(state.rpcUrl, Network.from(state.chainId), { staticNetwork: true, cacheTimeout: -1 });
}, 260_000);

afterAll(async () => {
  await browser?.close();
  provider?.destroy();
  if (devnet && devnet.child.exitCode === null) await devnet.interrupt(30_000).catch(() => undefined);
  if (devnet) fs.rmSync(devnet.dir, { recursive: true, force: true });
}, 60_000);

function contracts() {
  const c = state.deployment.contracts;
  return {
    token: NoosToken__factory.connect(c.token, provider),
    staking: Staking__factory.connect(c.staking, provider),
    consensus: Consensus__factory.connect(c.consensus, provider),
    billing: Billing__factory.connect(c.billing, provider),
  };
}

async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`no ${what} within ${timeoutMs / 1000} s:\n${devnet.output().split("\n").slice(-40).join("\n")}`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

function chromiumPath(): string {
  const candidates = [
    process.env.CHROMIUM_PATH,
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
  ];
  for (const c of candidates) {
    if (!c) continue;
    if (path.isAbsolute(c) && fs.existsSync(c)) return c;
    try {
      return execFileSync("which", [c], { encoding: "utf8" }).trim();
    } catch {
      /* next */
    }
  }
  throw new Error("no Chromium found: install chromium (apt-get install -y chromium) or set CHROMIUM_PATH");
}

test("the explorer page shows the subnets and neurons and answers a playground prompt (headless Chromium)", async () => {
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox", "--disable-gpu"] });
  const tab = await browser.newPage({ viewport: { width: 1280, height: 1500 } });
  page = tab;
  const pageErrors: string[] = [];
  tab.on("pageerror", (err) => pageErrors.push(err.message));
  await tab.goto(state.explorerUrl!);

  await tab.getByTestId("subnet-1").waitFor({ timeout: 20_000 });
  expect(await tab.getByTestId("subnet-1").innerText()).toContain("text-generation");
  expect(await tab.getByTestId("subnet-2").innerText()).toContain("ocr");
  // Subnet 1: two validators and two miners, the miners with their axons served.
  await eventually("4 neuron rows", 20_000, async () =>
    (await tab.getByTestId("neuron-row").count()) === 4 ? true : undefined,
  );
  await eventually("2 axons on the page", 90_000, async () => {
    const axons = (await tab.getByTestId("neurons").innerText()).match(/http:\/\/127\.0\.0\.1:\d+/g) ?? [];
    return axons.length === 2 ? true : undefined;
  });

  // A prompt through the playground: explorer -> gateway -> a miner, paid from the client's escrow.
  // The gateway may not list the miners yet on the first tries.
  const answer = tab.getByTestId("playground-answer");
  let asked = 0;
  const ask = async (button: string, model: RegExp) =>
    eventually(`an answer from ${model}`, 120_000, async () => {
      await tab.getByRole("button", { name: button }).click();
      asked += 1;
      await tab.locator(`[data-testid="playground-answer"][data-answer="${asked}"]`).waitFor({ timeout: 90_000 });
      return (await answer.getAttribute("data-state")) === "ok" && model.test(await answer.innerText())
        ? true
        : undefined;
    });
  await tab.getByLabel("prompt").fill("The old man");
  await ask("Send prompt", /sn1\/noos-tiny/);
  expect(await answer.locator("pre").innerText()).toMatch(/[a-z]{2,}/i);
  expect(await answer.innerText()).toMatch(/cost 0\.00\d+ NOOS · sn1\/noos-tiny/);

  // An image through the playground: the OCR subnet reads text rendered here.
  const rendered = renderTextImage({
    lines: ["NOOSPHERE DEVNET"],
    font: { family: "DejaVu Sans", weight: "bold" },
    size: 40,
  });
  const imageFile = path.join(devnet.dir, "page.png");
  fs.writeFileSync(imageFile, rendered.png);
  await tab.getByLabel("image").setInputFiles(imageFile);
  await ask("Read image", /sn2\/ppocr-v4/);
  const ocrText = await answer.locator("pre").innerText();
  expect(characterErrorRate("NOOSPHERE DEVNET", ocrText)).toBeLessThan(0.25);
  expect(await answer.innerText()).toMatch(/cost 0\.00\d+ NOOS · sn2\/ppocr-v4/);

  expect(pageErrors).toEqual([]);
}, 240_000);

test("epochs pay the subnet owner 18%, and miners and validators half each of the rest", async () => {
  const { consensus, staking } = contracts();
  // An epoch in which miners earned incentive and validators dividends, on each subnet.
  for (const netuid of [1, 2]) {
    const epoch = await eventually(`epoch paying miners on subnet ${netuid}`, 150_000, async () =>
      devnet.state()?.epochs.find((e) => e.netuid === netuid && BigInt(e.toMiners) > 0n && BigInt(e.toValidators) > 0n),
    );
    const [started] = await consensus.queryFilter(consensus.filters.EpochStarted(netuid, epoch.epoch));
    const [finished] = await consensus.queryFilter(consensus.filters.EpochFinished(netuid, epoch.epoch));
    expect(started && finished).toBeTruthy();
    const pool = started!.args.pool;
    const { ownerCut, paid, carried } = finished!.args;
    expect(ownerCut).toBe((pool * OWNER_CUT_BPS) / 10_000n);
    expect(paid + carried).toBe(pool - ownerCut);
    // What Staking was told to distribute in that block, per hotkey.
    const distributed = await staking.queryFilter(
      staking.filters.Distributed(),
      finished!.blockNumber,
      finished!.blockNumber,
    );
    const minerHotkeys = accounts.miners.filter((m) => m.netuid === netuid).map((m) => m.hotkey.address);
    const validatorHotkeys = accounts.validators.map((v) => v.hotkey.address);
    let toMiners = 0n;
    let toValidators = 0n;
    for (const e of distributed) {
      if (minerHotkeys.includes(e.args.hotkey)) toMiners += e.args.incentive + e.args.dividends;
      else if (validatorHotkeys.includes(e.args.hotkey)) toValidators += e.args.incentive + e.args.dividends;
      else if (e.transactionHash === finished!.transactionHash)
        throw new Error(`paid an unknown hotkey ${e.args.hotkey}`);
    }
    expect(toMiners + toValidators).toBe(paid);
    expect(toMiners).toBeGreaterThan(0n);
    // Half each, up to the rounding of fixed-point incentive and dividends.
    const diff = toMiners > toValidators ? toMiners - toValidators : toValidators - toMiners;
    expect(diff * 1_000n).toBeLessThanOrEqual(paid);
  }
  // The owner never claims on the devnet: its claimable balance is every owner cut so far.
  const block = await provider.getBlockNumber();
  const cuts = await consensus.queryFilter(consensus.filters.EpochFinished(), state.deployment.deployedAtBlock, block);
  const owed = cuts.reduce((sum, e) => sum + e.args.ownerCut, 0n);
  expect(owed).toBeGreaterThan(0n);
  expect(await staking.claimable(accounts.subnetOwner.address, { blockTag: block })).toBe(owed);
}, 200_000);

test("both validators commit and reveal weights on both subnets", async () => {
  const { consensus } = contracts();
  for (const netuid of [1, 2]) {
    for (const v of accounts.validators) {
      const hotkey = v.hotkey.address;
      const revealed = await eventually(`reveal by ${hotkey} on subnet ${netuid}`, 90_000, async () => {
        const logs = await consensus.queryFilter(consensus.filters.WeightsRevealed(netuid, undefined, hotkey));
        return logs.length > 0 ? logs : undefined;
      });
      const committed = await consensus.queryFilter(consensus.filters.WeightsCommitted(netuid, undefined, hotkey));
      expect(committed.length).toBeGreaterThan(0);
      expect(committed[0]!.blockNumber).toBeLessThan(revealed[0]!.blockNumber);
    }
  }
}, 200_000);

test("the gateway's request burned the client's escrow and minted the miner's share to the miner", async () => {
  const { billing, token } = contracts();
  const client = accounts.client.address;
  const redeemed = await eventually("redemption of the client's vouchers", 90_000, async () => {
    const logs = await billing.queryFilter(billing.filters.Redeemed(client));
    return logs.length > 0 ? logs : undefined;
  });
  const block = await provider.getBlockNumber();
  const all = await billing.queryFilter(billing.filters.Redeemed(client), 0, block);
  const burned = all.reduce((sum, e) => sum + e.args.burned, 0n);
  expect(burned).toBeGreaterThan(0n);
  // The escrow (free and allotted to miners together) only ever lost what redemptions burned.
  const [free] = await billing.escrowOf(client, { blockTag: block });
  const allotted = await Promise.all(
    accounts.miners.map(async (m) => (await billing.allotmentOf(client, m.hotkey.address, { blockTag: block }))[0]),
  );
  expect(parseEther("5000") - free - allotted.reduce((a, b) => a + b, 0n)).toBe(burned);
  // Minted back: at most what was burned (0.975 of it), the miner's part to the miner's owner.
  for (const e of redeemed) {
    const minted = e.args.mintedMiner + e.args.mintedRoyalty + e.args.mintedTreasury;
    expect(minted).toBeLessThanOrEqual(e.args.burned);
    expect(e.args.mintedMiner).toBeGreaterThan(0n);
  }
  const miner = accounts.miners.find((m) => m.hotkey.address === redeemed[0]!.args.miner);
  expect(miner).toBeDefined();
  const mintedToMiner = await eventually("the miner's claim", 60_000, async () => {
    const logs = (await token.queryFilter(token.filters.Transfer(ZeroAddress, miner!.coldkey.address))) as Log[];
    return logs.length > 0 ? logs : undefined;
  });
  expect(mintedToMiner.length).toBeGreaterThan(0);

  // The explorer counts the same burns.
  const overview = (await (await fetch(`${state.explorerUrl}/api/overview`)).json()) as { burnedTotal: string };
  expect(BigInt(overview.burnedTotal)).toBeGreaterThanOrEqual(burned);
}, 200_000);

test("a DAO proposal and its vote show on the explorer with state and tally", async () => {
  // The devnet's DAO key holds the genesis votes (50,000 NOOS, delegated to itself at setup).
  const noos = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [path.join(__dirname, "../../cli/bin/noos.js"), ...args, "--key", path.join(state.keysDir, "dao.json")],
        {
          env: {
            ...process.env,
            NOOS_KEY_PASSWORD: "devnet",
            NOOS_RPC_URL: state.rpcUrl,
            NOOS_DEPLOYMENTS_DIR: devnet.deploymentsDir,
          },
        },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
      ),
    );
  const proposed = await noos(["dao", "propose", "set-price", "--netuid", "1", "--tier", "batch", "--usd", "0.0008"]);
  expect(proposed.stderr).toBe("");
  const id = /proposal (\d+)/.exec(proposed.stdout)?.[1];
  expect(id).toBeDefined();
  // Voting opens a block after the proposal (devnet voting delay).
  await eventually("a counted vote", 30_000, async () =>
    (await noos(["dao", "vote", id!, "for"])).code === 0 ? true : undefined,
  );

  const proposals = (await (await fetch(`${state.explorerUrl}/api/proposals`)).json()) as {
    id: string;
    state: string;
    forVotes: string;
    description: string;
  }[];
  const row = proposals.find((p) => p.id === id);
  expect(row).toMatchObject({ state: "Active", forVotes: parseEther("50000").toString() });
  expect(row!.description).toMatch(/price/i);
  // The page after a few epochs, the redemptions and the vote: weights heat map, billing rows,
  // the proposal. Kept as an artifact.
  if (page) {
    await page.reload();
    await page.getByRole("region", { name: "governance" }).getByText("Active").waitFor({ timeout: 20_000 });
    await page.getByRole("figure", { name: "weights heat map" }).waitFor({ timeout: 30_000 });
    await page
      .getByRole("region", { name: "billing" })
      .getByText("miner", { exact: true })
      .first()
      .waitFor({ timeout: 30_000 });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, "explorer.png"), fullPage: true });
  }
}, 120_000);

test("Ctrl-C stops everything, and nothing is left running", async () => {
  const running = devnet.state()!;
  // npm, the devnet itself, and its children: chain, 4 miners, 4 validator processes, gateway, explorer...
  const pids = [devnet.child.pid!, running.pid, ...running.processes.map((p) => p.pid)];
  expect(pids.length).toBeGreaterThanOrEqual(12);
  // SIGINT to npm's process alone (`kill -INT <pid of npm>`, harder than a terminal's Ctrl-C to the
  // whole group): npm forwards it to its child, which is the devnet itself (`exec`), so all stop.
  await devnet.interrupt(90_000, "process");
  expect(devnet.output()).not.toMatch(/killing everything/);
  expect(devnet.output()).toMatch(/stopped; nothing left running/);
  // Every miner shuts down (and redeems what it holds) between the Ctrl-C and the end.
  const out = devnet.output();
  const stopping = out.slice(out.lastIndexOf("stopping "), out.lastIndexOf("stopped; nothing left running"));
  for (let i = 0; i < accounts.miners.length; i++) expect(stopping).toMatch(new RegExp(`miner-${i} .*shutting down`));
  expect(stopping).not.toMatch(/redemption failed|ERROR/);
  await new Promise((r) => setTimeout(r, 500));
  expect(pids.filter(processAlive)).toEqual([]);
  expect(fs.existsSync(devnet.stateFile)).toBe(false);
  await expect(fetch(state.rpcUrl, { method: "POST" })).rejects.toThrow();
}, 120_000);
