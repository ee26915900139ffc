/**
 * End to end: the real `noos` binary against a real Hardhat node with the contracts deployed by
 * scripts/deploy. Tests run in order and build on each other's state (one chain for the file).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseEther, Wallet } from "ethers";
import { saveDeployment } from "@noosphere/contracts";
import { devAccount, startHardhatNode, writeTestKeystore } from "@noosphere/testkit";
import type { HardhatNode } from "@noosphere/testkit";
import { deployCore } from "../testing/core-chain";
import { runNoos } from "../testing/run-noos";
import type { Deployed } from "../testing/core-chain";
import type { CliResult } from "../testing/run-noos";

const PASSWORD = "test-password";
const E18 = 10n ** 18n;
const TX_HASH = /tx (0x[0-9a-f]{64})/;

let node: HardhatNode;
let d: Deployed;
let keyDir: string;
let env: Record<string, string>;
const keys = { alice: "", bob: "", hot: "", poor: "" };
const alice = devAccount(1);
const bob = devAccount(2);
const hot = devAccount(3);
const poor = devAccount(4);

const noos = (...args: string[]): Promise<CliResult> => runNoos(args, env);
const noosWith = (extra: Record<string, string>, ...args: string[]): Promise<CliResult> =>
  runNoos(args, { ...env, ...extra });

/** The command succeeded; returns its stdout. */
function ok(r: CliResult): string {
  if (r.code !== 0) throw new Error(`noos exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

/** The command failed as a user error (exit 2) with a message matching `message`. */
function userError(r: CliResult, message: RegExp): void {
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(message) });
}

/** Every transaction hash printed was mined successfully. */
async function expectMined(stdout: string): Promise<string[]> {
  const hashes = [...stdout.matchAll(new RegExp(TX_HASH, "g"))].map((m) => m[1]!);
  expect(hashes.length).toBeGreaterThan(0);
  for (const hash of hashes) expect((await node.provider.getTransactionReceipt(hash))?.status).toBe(1);
  return hashes;
}

beforeAll(async () => {
  node = await startHardhatNode();
  d = await deployCore(node, { lockCost: parseEther("10"), unstakeCooldownBlocks: 3 });
  keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "noos-cli-keys-"));
  for (const [name, wallet] of Object.entries({ alice, bob, hot, poor })) {
    keys[name as keyof typeof keys] = await writeTestKeystore(keyDir, name, wallet, PASSWORD);
  }
  for (const who of [alice, bob]) await (await d.token.mint(who.address, parseEther("1000"))).wait();
  env = { NOOS_RPC_URL: node.rpcUrl, NOOS_DEPLOYMENTS_DIR: d.deploymentsDir, NOOS_KEY_PASSWORD: PASSWORD };
}, 120_000);

afterAll(async () => {
  await node?.stop();
});

describe("noos status", () => {
  it("shows the chain, supply against the cap, the block reward and the key's balance", async () => {
    const out = ok(await noos("status", "--key", keys.alice));
    expect(out).toMatch(/chain id\s+31337 \(block \d+\)/);
    expect(out).toMatch(/supply\s+2000 NOOS of 21000000 NOOS/);
    expect(out).toMatch(/block reward\s+1 NOOS/);
    expect(out).toContain(`balance       1000 NOOS (${alice.address})`);
    expect(out).toMatch(/no subnets yet/);
    const json = JSON.parse(ok(await noos("status", "--json")));
    expect(json).toMatchObject({
      chainId: 31337,
      cap: String(21_000_000n * E18),
      blockReward: String(E18),
      subnets: [],
    });
    expect(BigInt(json.supply)).toBe(await d.token.totalSupply());
    expect(json.account).toBeUndefined();
  });
});

describe("noos subnet", () => {
  it("create locks the lock cost and prints the netuid and the transactions", async () => {
    const out = ok(await noos("subnet", "create", "--task", "text-generation", "--tempo", "100", "--key", keys.alice));
    expect(out).toMatch(/locks 10 NOOS/);
    expect(out).toMatch(/created subnet 1: task text-generation, tempo 100 blocks/);
    expect(await expectMined(out)).toHaveLength(2); // approve + create
    const params = await d.subnets.params(1);
    expect([params.taskId, params.tempo]).toEqual(["text-generation", 100n]);
    expect(await d.subnets.subnetOwner(1)).toBe(alice.address);
    expect(await d.token.balanceOf(alice.address)).toBe(parseEther("990"));
  });

  it("list shows the subnet with its task, neurons and tempo", async () => {
    const out = ok(await noos("subnet", "list"));
    expect(out).toMatch(/^1\s+text-generation\s+0\/256\s+100\s/m);
    const [s] = JSON.parse(ok(await noos("subnet", "list", "--json")));
    expect(s).toMatchObject({ netuid: 1, taskId: "text-generation", neurons: 0, tempo: 100, owner: alice.address });
  });
});

describe("noos register", () => {
  it("registers the hotkey with Staking under the key, burns the price and prints the uid", async () => {
    const supplyBefore = await d.token.totalSupply();
    const out = ok(
      await noos("register", "--netuid", "1", "--key", keys.alice, "--hotkey", keys.hot, "--max-burn", "5"),
    );
    expect(out).toMatch(/registration on subnet 1 burns 1 NOOS/);
    const uid = Number(/as uid (\d+) \(burned 1 NOOS\)/.exec(out)?.[1]);
    await expectMined(out);
    expect(await d.staking.ownerOf(hot.address)).toBe(alice.address);
    expect(await d.subnets.uidOf(1, hot.address)).toBe(BigInt(uid));
    expect(await d.token.balanceOf(alice.address)).toBe(parseEther("989"));
    expect(await d.token.totalSupply()).toBe(supplyBefore - E18);
  });

  it("says so when the hotkey is already registered, and sends nothing", async () => {
    const nonce = await node.provider.getTransactionCount(alice.address);
    const out = ok(await noos("register", "--netuid", "1", "--key", keys.alice, "--hotkey", keys.hot));
    expect(out).toMatch(/already registered on subnet 1 as uid 0/);
    expect(await node.provider.getTransactionCount(alice.address)).toBe(nonce);
  });

  it("refuses a price above --max-burn, then registers the key as its own hotkey", async () => {
    userError(
      await noos("register", "--netuid", "1", "--key", keys.bob, "--max-burn", "1"),
      // 1 NOOS x 1.26 after the first registration, decaying block by block since
      /costs 1\.2\d* NOOS now, above --max-burn 1 NOOS: raise --max-burn or wait/,
    );
    expect(await d.subnets.isRegistered(1, bob.address)).toBe(false);
    const out = ok(await noos("register", "--netuid", "1", "--key", keys.bob));
    const burned = parseEther(/as uid 1 \(burned (1\.2\d*) NOOS\)/.exec(out)?.[1] ?? "0");
    expect(await d.staking.ownerOf(bob.address)).toBe(bob.address);
    expect(await d.subnets.uidOf(1, bob.address)).toBe(1n);
    expect(await d.token.balanceOf(bob.address)).toBe(parseEther("1000") - burned);
  });

  it("subnet show lists the neurons with their hotkeys and stake", async () => {
    const out = ok(await noos("subnet", "show", "1"));
    expect(out).toMatch(new RegExp(`^0\\s+${hot.address}\\s+0\\s+yes\\s+-$`, "m"));
    expect(out).toMatch(new RegExp(`^1\\s+${bob.address}\\s`, "m"));
    const view = JSON.parse(ok(await noos("subnet", "show", "1", "--json")));
    expect(view.neuronList.map((n: { hotkey: string }) => n.hotkey)).toEqual([hot.address, bob.address]);
    userError(await noos("subnet", "show", "9"), /there is no subnet 9/);
  });
});

describe("noos stake", () => {
  it("add approves and delegates, printing the shares minted", async () => {
    const before = await d.token.balanceOf(bob.address);
    const out = ok(await noos("stake", "add", "--hotkey", hot.address, "--amount", "5", "--key", keys.bob));
    const shares = BigInt(/for (\d+) shares/.exec(out)?.[1] ?? "0");
    expect(await expectMined(out)).toHaveLength(2);
    expect(await d.staking.stakeOf(hot.address)).toBe(5n * E18);
    expect(await d.staking.sharesOf(hot.address, bob.address)).toBe(shares);
    expect(await d.token.balanceOf(bob.address)).toBe(before - 5n * E18);
  });

  it("refuses bad requests before sending anything, with messages that say what to do", async () => {
    const nonces = await Promise.all([bob, poor].map((w) => node.provider.getTransactionCount(w.address)));
    const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), "noos-empty-"));
    const staleDir = fs.mkdtempSync(path.join(os.tmpdir(), "noos-stale-"));
    withDeploymentsDir(staleDir, () =>
      saveDeployment({
        chainId: 31337,
        deployedAtBlock: 0,
        contracts: Object.fromEntries(
          ["token", "emission", "staking", "subnets", "consensus", "billing", "models", "timelock", "governor"].map(
            (k) => [k, Wallet.createRandom().address],
          ),
        ) as never,
      }),
    );
    const add = (key: string, amount: string, hotkey = hot.address) =>
      noos("stake", "add", "--hotkey", hotkey, "--amount", amount, "--key", key);
    const [
      belowMin,
      poorBalance,
      garbage,
      negative,
      unknownHotkey,
      missingKey,
      wrongPassword,
      noDeployment,
      stale,
      noRpc,
    ] = await Promise.all([
      add(keys.bob, "0.05"),
      add(keys.poor, "5"),
      add(keys.bob, "abc"),
      add(keys.bob, "-1"),
      add(keys.bob, "1", Wallet.createRandom().address),
      add(path.join(keyDir, "nobody.json"), "1"),
      noosWith(
        { NOOS_KEY_PASSWORD: "wrong" },
        "stake",
        "add",
        "--hotkey",
        hot.address,
        "--amount",
        "1",
        "--key",
        keys.bob,
      ),
      noosWith({ NOOS_DEPLOYMENTS_DIR: emptyDir }, "status"),
      noosWith({ NOOS_DEPLOYMENTS_DIR: staleDir }, "status"),
      noosWith({ NOOS_RPC_URL: "http://127.0.0.1:9" }, "status"),
    ]);
    userError(
      belowMin,
      /StakingBelowMinDelegation\(amount: 50000000000000000, min: 100000000000000000\): delegate at least 0.1 NOOS/,
    );
    userError(poorBalance, /insufficient balance: delegating 5 NOOS but 0x[0-9a-fA-F]{40} holds 0 NOOS/);
    userError(garbage, /--amount must be a NOOS amount such as 1.5, got "abc"/);
    userError(negative, /--amount must not be negative/);
    userError(unknownHotkey, /StakingUnknownHotkey\(hotkey: 0x[0-9a-fA-F]{40}\): .*'noos register'/);
    userError(missingKey, /nobody.json not found: create one with 'noos wallet new/);
    userError(wrongPassword, /wrong password/);
    userError(noDeployment, /No Noosphere deployment for chain 31337.*npm run devnet/);
    userError(stale, /deployment file is stale.*npm run devnet/);
    userError(noRpc, /cannot reach the chain at http:\/\/127.0.0.1:9/);
    // Nothing reached the chain: no approval for the refused delegations either.
    expect(await Promise.all([bob, poor].map((w) => node.provider.getTransactionCount(w.address)))).toEqual(nonces);
    expect(await d.token.allowance(bob.address, await d.staking.getAddress())).toBe(0n);
  });

  it("show lists an account's delegations and a hotkey's pool", async () => {
    const { account } = JSON.parse(ok(await noos("stake", "show", "--key", keys.bob, "--json")));
    expect(account.delegations).toEqual([
      {
        hotkey: hot.address,
        shares: String(await d.staking.sharesOf(hot.address, bob.address)),
        value: String(5n * E18),
      },
    ]);
    expect(account.claimable).toBe("0");
    const out = ok(await noos("stake", "show", "--hotkey", hot.address, "--account", bob.address));
    expect(out).toContain(`owner   ${alice.address}`);
    expect(out).toMatch(/take\s+18%/);
    expect(out).toMatch(/stake\s+5 NOOS/);
    expect(out).toMatch(/position of 0x[0-9a-fA-F]{40}: 5 NOOS/);
  });

  it("remove starts the cooldown; withdraw refuses before it ends and pays after", async () => {
    const out = ok(await noos("stake", "remove", "--hotkey", hot.address, "--amount", "2", "--key", keys.bob));
    const readyBlock = Number(/from block (\d+)/.exec(out)?.[1]);
    expect(out).toMatch(/unstaking 2 NOOS \(\d+ shares\)/);
    await expectMined(out);
    expect(await d.staking.stakeOf(hot.address)).toBe(3n * E18);
    expect(await d.staking.totalThawing()).toBe(2n * E18);

    userError(
      await noos("stake", "withdraw", "--key", keys.bob),
      new RegExp(`ready at block ${readyBlock} \\(now \\d+\\)`),
    );
    userError(
      await noos("stake", "remove", "--hotkey", hot.address, "--amount", "2.95", "--key", keys.bob),
      /StakingBelowMinDelegation.*--all/,
    );
    await node.provider.send("hardhat_mine", ["0x3"]);
    const before = await d.token.balanceOf(bob.address);
    const paid = ok(await noos("stake", "withdraw", "--key", keys.bob));
    expect(paid).toMatch(/withdrew 2 NOOS \(1 request\(s\)\)/);
    expect(await d.token.balanceOf(bob.address)).toBe(before + 2n * E18);
    expect(await d.staking.totalThawing()).toBe(0n);
  });

  it("claim pays credited rewards once", async () => {
    const amount = 3n * E18;
    await (await d.token.mint(await d.deployer.getAddress(), amount)).wait();
    await (await d.token.approve(await d.staking.getAddress(), amount)).wait();
    await (await d.staking.credit(bob.address, amount)).wait();
    const before = await d.token.balanceOf(bob.address);
    expect(ok(await noos("stake", "claim", "--key", keys.bob))).toMatch(/claimed 3 NOOS to/);
    expect(await d.token.balanceOf(bob.address)).toBe(before + amount);
    userError(await noos("stake", "claim", "--key", keys.bob), /nothing to claim yet/);
  });
});

describe("noos take set", () => {
  it("lowers at once, schedules a raise, and decodes the contract's refusals", async () => {
    ok(await noos("take", "set", "--hotkey", hot.address, "--bps", "1000", "--key", keys.alice));
    expect(await d.staking.takeOf(hot.address)).toBe(1000n);
    const [notOwner, tooHigh] = await Promise.all([
      noos("take", "set", "--hotkey", hot.address, "--bps", "500", "--key", keys.bob),
      noos("take", "set", "--hotkey", hot.address, "--bps", "1900", "--key", keys.alice),
    ]);
    userError(notOwner, /StakingNotHotkeyOwner\(.*\): only the owner \(coldkey\) .* use the owner's --key/);
    userError(tooHigh, /StakingTakeTooHigh\(take: 1900, max: 1800\)/);
    const out = ok(await noos("take", "set", "--hotkey", hot.address, "--bps", "1500", "--key", keys.alice));
    const from = BigInt(/at block (\d+)/.exec(out)?.[1] ?? "0");
    expect(await d.staking.pendingTakeOf(hot.address)).toEqual([1500n, from]);
    expect(await d.staking.takeOf(hot.address)).toBe(1000n);
  });

  it("shows progress on stderr while a transaction waits to be mined", async () => {
    await node.provider.send("evm_setAutomine", [false]);
    await node.provider.send("evm_setIntervalMining", [2_500]);
    try {
      const r = await noos("take", "set", "--hotkey", hot.address, "--bps", "900", "--key", keys.alice);
      ok(r);
      expect(r.stderr).toMatch(/set take of 0x[0-9a-fA-F]{40} to 900 bps: waiting for 0x[0-9a-f]{64}/);
    } finally {
      await node.provider.send("evm_setIntervalMining", [0]);
      await node.provider.send("evm_setAutomine", [true]);
    }
    expect(await d.staking.takeOf(hot.address)).toBe(900n);
  });
});

describe("noos sim yuma", () => {
  it("runs the reference simulation with its flags, and refuses bad ones", async () => {
    const [run, bad] = await Promise.all([
      noos("sim", "yuma", "--epochs", "3", "--miners", "4", "--validators", "honest:100,lazy:50"),
      noos("sim", "yuma", "--epochs", "zero"),
    ]);
    expect(ok(run)).toMatch(/Yuma simulation: 3 epochs, 4 miners, seed 1/);
    expect(run.stdout).toMatch(/^1\s+lazy\s+50\s/m);
    userError(bad, /--epochs needs an integer >= 1, got "zero"[\s\S]*usage: noos sim yuma/);
  });
});

/** Runs `fn` with NOOS_DEPLOYMENTS_DIR pointing at `dir` (saveDeployment reads it). */
function withDeploymentsDir(dir: string, fn: () => void): void {
  const previous = process.env.NOOS_DEPLOYMENTS_DIR;
  process.env.NOOS_DEPLOYMENTS_DIR = dir;
  try {
    fn();
  } finally {
    if (previous === undefined) delete process.env.NOOS_DEPLOYMENTS_DIR;
    else process.env.NOOS_DEPLOYMENTS_DIR = previous;
  }
}
