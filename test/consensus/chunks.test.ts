import { expect } from "chai";
import { loadFixture, takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import { seededRng, yumaEpoch } from "@noosphere/yuma";
import { expectSameAsReference, readEpochOutput, readYumaInput } from "./reference";
import { changeBetweenEpochs, writeRandomSubnet } from "./scenario";
import { deployWorld, hotkeyAddress, type World } from "./world";

const CAP = 16_777_216n;
const ONE = 10n ** 18n;

/**
 * A full subnet (64 validators x 256 UIDs) run in chunks: every transaction stays under the 2^24 cap
 * (EIP-7825) whatever gas limit the caller gives, every column slot is processed once (the PASS
 * cursors of consecutive steps increase from 0, then DIVIDENDS once, then PAY from 0), and the
 * results equal the reference whatever the chunking. The cases are the expensive ones: first bonds
 * (every bonds word written for the first time), liquid alpha with every pair on the sigmoid, row
 * sums with outdated entries to drop.
 */
describe("Consensus epoch in chunks (64 x 256)", function () {
  this.timeout(600_000);

  async function worldFixture() {
    return deployWorld();
  }

  /** Runs the epoch to its end: START with the cap, then `gasLimit` per call; returns the steps seen. */
  async function runChunked(w: World, netuid: number, gasLimit: number) {
    const steps: string[] = [];
    const gas: bigint[] = [];
    let startBlock = 0;
    let pool = 0n;
    for (let call = 0; call < 64; call++) {
      const receipt = await (
        await w.consensus.runEpoch(netuid, {
          gasLimit: call === 0 ? CAP : gasLimit,
        })
      ).wait();
      if (!receipt) throw new Error("no receipt");
      gas.push(receipt.gasUsed);
      steps.push("|");
      for (const log of receipt.logs) {
        const parsed = w.consensus.interface.parseLog(log);
        if (parsed?.name === "EpochStep") steps.push(`${parsed.args.stage}:${parsed.args.cursor}`);
        if (parsed?.name === "EpochStarted") {
          startBlock = receipt.blockNumber;
          pool = parsed.args.pool as bigint;
        }
      }
      if ((await w.consensus.epochStatus(netuid)).stage === 0n) return { steps, gas, startBlock, pool };
    }
    throw new Error(`epoch did not finish at gas limit ${gasLimit}`);
  }

  /** PASS cursors increase from 0, one DIVIDENDS step, PAY cursors increase from 0. */
  function expectEachSlotOnce(all: string[]) {
    let steps = all;
    steps = steps.filter((x) => x !== "|");
    const pass = steps.filter((x) => x.startsWith("1:")).map((x) => Number(x.slice(2)));
    const pay = steps.filter((x) => x.startsWith("3:")).map((x) => Number(x.slice(2)));
    const stages = steps.map((x) => Number(x.split(":")[0]));
    expect(stages).to.deep.equal([...stages].sort((a, b) => a - b));
    expect(pass[0]).to.equal(0);
    pass.forEach((c, i) => i > 0 && expect(c).to.be.greaterThan(pass[i - 1] as number));
    expect(pass[pass.length - 1]).to.be.lessThan(16);
    expect(steps.filter((x) => x === "2:0")).to.have.length(1);
    expect(pay[0]).to.equal(0);
    pay.forEach((c, i) => i > 0 && expect(c).to.be.greaterThan(pay[i - 1] as number));
  }

  async function checkCase(w: World, netuid: number, label: string) {
    const input = await readYumaInput(w, netuid);
    const snapshot = await takeSnapshot();
    let first: Awaited<ReturnType<typeof readEpochOutput>> | undefined;
    for (const gasLimit of [Number(CAP), 12_000_000, 9_000_000]) {
      await snapshot.restore();
      const run = await runChunked(w, netuid, gasLimit);
      for (const g of run.gas) expect(g, `${label} at ${gasLimit}`).to.be.lessThan(CAP);
      expectEachSlotOnce(run.steps);
      const got = await readEpochOutput(w, netuid, 256);
      if (!first) {
        input.block = run.startBlock;
        input.emission = run.pool - (run.pool * 1800n) / 10_000n;
        expectSameAsReference(got, yumaEpoch(input), `${label} at ${gasLimit}`);
        first = got;
      } else {
        expect(got, `${label} at ${gasLimit}`).to.deep.equal(first);
      }
    }
  }

  it("first bonds: every bonds word written for the first time", async () => {
    const w = await loadFixture(worldFixture);
    const { input } = await writeRandomSubnet(w, 7, seededRng(7), {
      validators: 64,
      miners: 192,
      density: 1,
      noPermitRate: 0,
      params: { maxValidators: 64 },
    });
    for (let i = 0; i < 64; i++) {
      if ((input.bonds[i] as number[]).length !== 0) await (await w.consensus.testSetBonds(7, i, [])).wait();
    }
    await checkCase(w, 7, "first bonds");
  });

  it("liquid alpha on every pair (current consensus, no penalty), outdated entries in row sums", async () => {
    const w = await loadFixture(worldFixture);
    await writeRandomSubnet(w, 8, seededRng(8), {
      validators: 64,
      miners: 192,
      density: 1,
      noPermitRate: 0,
      lateRegistrationRate: 0.3,
      params: {
        maxValidators: 64,
        bondsPenalty: 0n,
        liquidAlpha: {
          enabled: true,
          low: (ONE * 7n) / 10n,
          high: (ONE * 9n) / 10n,
          steepness: 1000,
          consensusMode: "current",
        },
      },
    });
    await checkCase(w, 8, "liquid");
  });

  it("pays each UID's hotkey as of the epoch's start, also after holders were replaced", async () => {
    const w = await loadFixture(worldFixture);
    const netuid = 9;
    await writeRandomSubnet(w, netuid, seededRng(9), {
      validators: 64,
      miners: 192,
      density: 1,
      params: { maxValidators: 64 },
    });
    const replaced = [5, 100, 255];
    const oldHolders = await Promise.all(replaced.map((u) => w.subnets.hotkeyOf(netuid, u)));
    let oldEarned: bigint[] = [];
    for (let epoch = 0; epoch < 2; epoch++) {
      const [hotkeys] = await w.subnets.neurons(netuid);
      const before = await Promise.all(hotkeys.map((h) => w.staking.earnedOf(h)));
      const run = await runChunked(w, netuid, Number(CAP));
      expectEachSlotOnce(run.steps);
      const got = await readEpochOutput(w, netuid, 256);
      for (const [uid, h] of hotkeys.entries()) {
        const paid = (got.minerEmission[uid] as bigint) + (got.validatorEmission[uid] as bigint);
        expect((await w.staking.earnedOf(h)) - (before[uid] as bigint), `epoch ${epoch} UID ${uid}`).to.equal(paid);
      }
      if (epoch === 1) {
        // the replaced holders were not paid for the epoch after their replacement
        expect(await Promise.all(oldHolders.map((h) => w.staking.earnedOf(h)))).to.deep.equal(oldEarned);
        break;
      }
      oldEarned = await Promise.all(oldHolders.map((h) => w.staking.earnedOf(h)));
      // new holders for UIDs in three different snapshot words (and across a word boundary: UID 100)
      for (const [i, uid] of replaced.entries()) {
        await (await w.subnets.replace(netuid, uid, hotkeyAddress(netuid, 9000 + i))).wait();
      }
      await changeBetweenEpochs(w, netuid, seededRng(10), { reweight: 0, newNeurons: 0, replaced: 0, restake: 0 });
    }
  });
});
