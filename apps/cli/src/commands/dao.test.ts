/**
 * End to end: a DAO member changes a billing price with the real `noos dao` commands against a
 * real Hardhat node: delegate, propose, vote, queue, execute, status; plus the refusals a member
 * meets on the way (no voting power, too early) and `noos billing report`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseEther } from "ethers";
import { loadDeployment, saveDeployment } from "@noosphere/contracts";
import type { Billing } from "@noosphere/contracts";
import { deployGovernance, deployBilling } from "@noosphere/deploy";
import { devAccount, startHardhatNode, writeTestKeystore } from "@noosphere/testkit";
import type { HardhatNode } from "@noosphere/testkit";
import { deployCore } from "../testing/core-chain";
import { runNoos } from "../testing/run-noos";
import type { CliResult } from "../testing/run-noos";

const PASSWORD = "pw";
const VOTING_PERIOD = 5;
const MIN_DELAY = 30;

let node: HardhatNode;
let billing: Billing;
let env: Record<string, string>;
let aliceKey: string;
let bobKey: string;

const noos = (...args: string[]): Promise<CliResult> => runNoos(args, env);

function ok(r: CliResult): string {
  if (r.code !== 0) throw new Error(`noos exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  node = await startHardhatNode();
  const core = await deployCore(node);
  const admin = await core.deployer.getAddress();
  const token = await core.token.getAddress();
  const { governor, timelock } = await deployGovernance(core.deployer, {
    token,
    minDelay: MIN_DELAY,
    votingDelay: 1,
    votingPeriod: VOTING_PERIOD,
    quorumPercent: 4,
    proposalThreshold: 0n,
  });
  billing = await deployBilling(core.deployer, { token, treasury: await timelock.getAddress(), admin });
  await (await billing.grantRole(await billing.PARAMS_ROLE(), await timelock.getAddress())).wait();

  process.env.NOOS_DEPLOYMENTS_DIR = core.deploymentsDir;
  const chainId = Number((await node.provider.getNetwork()).chainId);
  const deployment = loadDeployment(chainId);
  deployment.contracts.governor = await governor.getAddress();
  deployment.contracts.timelock = await timelock.getAddress();
  deployment.contracts.billing = await billing.getAddress();
  saveDeployment(deployment);

  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "noos-dao-keys-"));
  aliceKey = await writeTestKeystore(keyDir, "alice", devAccount(1), PASSWORD);
  bobKey = await writeTestKeystore(keyDir, "bob", devAccount(2), PASSWORD);
  await (await core.token.mint(devAccount(1).address, parseEther("100000"))).wait();
  env = { NOOS_RPC_URL: node.rpcUrl, NOOS_DEPLOYMENTS_DIR: core.deploymentsDir, NOOS_KEY_PASSWORD: PASSWORD };
}, 180_000);

afterAll(async () => {
  await node?.stop();
});

const mine = (blocks: number) => node.provider.send("hardhat_mine", ["0x" + blocks.toString(16)]);

it("delegates, proposes a price, votes, queues, executes, and the new price is on-chain", async () => {
  expect(ok(await noos("dao", "delegate", "--key", aliceKey))).toMatch(
    /delegated votes to 0x[0-9a-fA-F]{40}: 100,?000/,
  );
  await mine(1);

  const proposed = ok(
    await noos(
      "dao",
      "propose",
      "set-price",
      "--netuid",
      "1",
      "--tier",
      "standard",
      "--usd",
      "0.00075",
      "--key",
      aliceKey,
    ),
  );
  const id = /proposal (\d+)/.exec(proposed)?.[1];
  expect(id).toBeDefined();
  await mine(2);

  // Bob holds no NOOS: the CLI says so and what to do, as a user error.
  const refused = await noos("dao", "vote", id!, "for", "--key", bobKey);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(/vot/i);

  expect(ok(await noos("dao", "vote", id!, "for", "--key", aliceKey))).toMatch(/voted for with 100,?000/);
  const early = await noos("dao", "queue", id!, "--key", aliceKey);
  expect(early.code).toBe(2);

  await mine(VOTING_PERIOD + 1);
  expect(ok(await noos("dao", "status", id!))).toMatch(/Succeeded/);
  expect(ok(await noos("dao", "queue", id!, "--key", aliceKey))).toMatch(/queued proposal/);
  const tooSoon = await noos("dao", "execute", id!, "--key", aliceKey);
  expect(tooSoon.code).toBe(2);

  await node.provider.send("evm_increaseTime", [MIN_DELAY + 1]);
  await mine(1);
  expect(ok(await noos("dao", "execute", id!, "--key", aliceKey))).toMatch(/executed proposal .* Executed/);
  const [usdMicros] = await billing.tierPrice(1, 0);
  expect(usdMicros).toBe(750n);
  expect(ok(await noos("dao", "status", id!))).toMatch(/Executed/);
}, 180_000);

it("refuses a malformed proposal id and an unknown action with messages that say what to do", async () => {
  const badId = await noos("dao", "status", "abc");
  expect(badId.code).toBe(2);
  expect(badId.stderr).toMatch(/proposal id must be a whole number/);
  const badAction = await noos("dao", "propose", "make-me-rich", "--key", aliceKey);
  expect(badAction.code).toBe(2);
});

it("prints the weekly billing report", async () => {
  expect(ok(await noos("billing", "report", "--week"))).toMatch(/burned/i);
});
