import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, mine, takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import { registerNeuron } from "@noosphere/deploy";
import {
  addNeuron,
  commitHash,
  createTestSubnet,
  delegate,
  deployStack,
  mineToDue,
  ONE,
  paramsObject,
  runFullEpoch,
  type Neuron,
  type Stack,
} from "./fixtures";
import { epochMatchesReference, readEpochOutput, readYumaInput, runEpochToEnd } from "./reference";
import { yumaEpoch } from "@noosphere/yuma";

const SALT = hre.ethers.id("salt");

describe("Consensus epochs", function () {
  this.timeout(300_000);

  /** Four validators that revealed weights on four miners; the next epoch is due. */
  async function epochFixture() {
    const s = await deployStack();
    const netuid = await createTestSubnet(s, { tempo: 20, maxValidators: 4 });
    const validators: Neuron[] = [];
    for (const stake of [4000n, 3000n, 2000n, 1000n]) validators.push(await addNeuron(s, netuid, stake * ONE));
    const miners: Neuron[] = [];
    for (let i = 0; i < 4; i++) miners.push(await addNeuron(s, netuid, 0n));
    await runFullEpoch(s.consensus, netuid); // permits
    const rows = [
      [10, 20, 30, 40],
      [10, 25, 30, 35],
      [40, 30, 20, 10],
      [1, 1, 1, 65_535],
    ];
    for (const [k, v] of validators.entries()) {
      const h = commitHash(netuid, v.address, [4, 5, 6, 7], rows[k] as number[], SALT);
      await (await s.consensus.connect(v.wallet).commitWeights(netuid, h)).wait();
    }
    await mineToDue(s, s.consensus, netuid);
    await runFullEpoch(s.consensus, netuid);
    for (const [k, v] of validators.entries()) {
      await (
        await s.consensus.connect(v.wallet).revealWeights(netuid, [4, 5, 6, 7], rows[k] as number[], SALT, 0)
      ).wait();
    }
    await mineToDue(s, s.consensus, netuid);
    return { s, netuid, validators, miners };
  }

  describe("runEpoch", () => {
    it("reverts for a subnet that does not exist", async () => {
      const s = await loadFixture(deployStack);
      await expect(s.consensus.runEpoch(42))
        .to.be.revertedWithCustomError(s.consensus, "ConsensusSubnetNotFound")
        .withArgs(42);
    });

    it("reverts when the next epoch is not due yet", async () => {
      const fx = await loadFixture(epochFixture);
      await runFullEpoch(fx.s.consensus, fx.netuid);
      const [, startBlock] = await fx.s.consensus.epochStatus(fx.netuid);
      await expect(fx.s.consensus.runEpoch(fx.netuid))
        .to.be.revertedWithCustomError(fx.s.consensus, "ConsensusEpochNotDue")
        .withArgs(fx.netuid, startBlock + 20n);
      await mine(18);
      await expect(fx.s.consensus.runEpoch(fx.netuid)).to.emit(fx.s.consensus, "EpochStarted");
    });

    it("starts, steps and finishes with events, and pays owner, miners and validators", async () => {
      const fx = await loadFixture(epochFixture);
      const { s, netuid } = fx;
      const consensusAddress = await s.consensus.getAddress();
      const stakingBefore = await s.token.balanceOf(await s.staking.getAddress());
      const ownerBefore = await s.staking.claimable(await s.owner.getAddress());
      const tx = s.consensus.runEpoch(netuid, { gasLimit: 16_000_000 });
      await expect(tx).to.emit(s.consensus, "EpochStarted");
      await expect(tx).to.emit(s.consensus, "EpochStep").withArgs(netuid, 3, 1, 0);
      await expect(tx).to.emit(s.consensus, "EpochFinished");
      const r = await s.consensus.lastEpoch(netuid);
      expect(r.number).to.equal(3n);
      expect(r.n).to.equal(8n);
      expect(r.ownerCut + r.emission).to.be.greaterThan(0n);
      expect(await s.staking.claimable(await s.owner.getAddress())).to.equal(ownerBefore + r.ownerCut);
      // every token pulled is with Staking or held as the carried dust
      expect(await s.token.balanceOf(await s.staking.getAddress())).to.equal(stakingBefore + r.ownerCut + r.paid);
      expect(await s.token.balanceOf(consensusAddress)).to.equal(r.carried);
      expect(await s.consensus.carried(netuid)).to.equal(r.carried);
      expect(r.paid + r.carried).to.equal(r.emission);
      // the registry records each UID's emission
      const [miner, validator] = await s.consensus.emissions(netuid);
      for (let uid = 0; uid < 8; uid++) {
        expect(await s.subnets.lastEmission(netuid, uid)).to.equal((miner[uid] as bigint) + (validator[uid] as bigint));
      }
      expect(miner.slice(4).every((x) => x > 0n)).to.equal(true);
      expect(validator.slice(0, 4).some((x) => x > 0n)).to.equal(true);
    });

    it("matches the reference on the commit-reveal subnet", async () => {
      const fx = await loadFixture(epochFixture);
      await epochMatchesReference(fx.s, fx.netuid, "real stack");
    });

    it("matches the reference over consecutive commit-reveal epochs with registrations in between", async () => {
      const fx = await loadFixture(epochFixture);
      const { s, netuid, validators } = fx;
      const p = paramsObject(await s.consensus.paramsOf(netuid));
      await (await s.consensus.setParams(netuid, { ...p, weightsRateLimit: 0 })).wait();
      let rng = 7;
      const next = () => (rng = (rng * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const pending = new Map<string, [number[], number[]]>();
      for (let e = 0; e < 4; e++) {
        await epochMatchesReference(s, netuid, `commit-reveal epoch ${e}`);
        for (const v of validators) {
          const row = pending.get(v.address);
          if (row) {
            await (await s.consensus.connect(v.wallet).revealWeights(netuid, row[0], row[1], SALT, 0)).wait();
          }
        }
        const n = Number(await s.subnets.neuronCount(netuid));
        const [permitted] = await s.consensus.permits(netuid);
        pending.clear();
        for (const v of validators) {
          if (((permitted >> BigInt(v.uid)) & 1n) === 0n) continue; // outranked by a newcomer
          const uids = [...Array(n).keys()].filter(() => next() < 0.7);
          if (uids.length === 0) uids.push(n - 1);
          const weights = uids.map(() => 1 + Math.floor(next() * 65_000));
          pending.set(v.address, [uids, weights]);
          const h = commitHash(netuid, v.address, uids, weights, SALT);
          await (await s.consensus.connect(v.wallet).commitWeights(netuid, h)).wait();
        }
        await addNeuron(s, netuid, e === 1 ? 2500n * ONE : 0n);
        await mineToDue(s, s.consensus, netuid);
      }
    });

    it("gives the same results run one step per transaction as in one transaction", async () => {
      const fx = await loadFixture(epochFixture);
      const snapshot = await takeSnapshot();
      await runEpochToEnd(fx.s, fx.netuid, 16_000_000);
      const whole = await readEpochOutput(fx.s, fx.netuid, 8);
      await snapshot.restore();
      let calls = 0;
      while (calls === 0 || (await fx.s.consensus.epochStatus(fx.netuid)).stage !== 0n) {
        await (await fx.s.consensus.runEpoch(fx.netuid, { gasLimit: 1_000_000 })).wait();
        calls++;
      }
      expect(calls).to.be.greaterThanOrEqual(3);
      const stepped = await readEpochOutput(fx.s, fx.netuid, 8);
      expect(stepped).to.deep.equal(whole);
    });

    it("walks the stages in order with its own cursor (no step skipped or repeated)", async () => {
      const fx = await loadFixture(epochFixture);
      const seen: string[] = [];
      for (;;) {
        const receipt = await (await fx.s.consensus.runEpoch(fx.netuid, { gasLimit: 1_000_000 })).wait();
        for (const log of receipt?.logs ?? []) {
          const parsed = fx.s.consensus.interface.parseLog(log);
          if (parsed?.name === "EpochStep") seen.push(`${parsed.args.stage}:${parsed.args.cursor}`);
        }
        if ((await fx.s.consensus.epochStatus(fx.netuid)).stage === 0n) break;
      }
      expect(seen).to.deep.equal(["1:0", "2:0", "3:0"]);
    });

    it("never succeeds without progress: too little gas for a step reverts (ConsensusGasTooLow or out of gas)", async () => {
      const fx = await loadFixture(epochFixture);
      const { s, netuid } = fx;
      await (await s.consensus.runEpoch(netuid, { gasLimit: 1_000_000 })).wait(); // START (and maybe more)
      let tooLow = 0;
      for (let gasLimit = 250_000; gasLimit <= 1_000_000; gasLimit += 50_000) {
        const snapshot = await takeSnapshot();
        const before = await s.consensus.epochStatus(netuid);
        let landed = false;
        try {
          await (await s.consensus.runEpoch(netuid, { gasLimit })).wait();
          landed = true;
        } catch (err) {
          if (String(err).includes("ConsensusGasTooLow")) tooLow++;
        }
        if (landed) {
          const after = await s.consensus.epochStatus(netuid);
          expect([after.stage, after.cursor], `at ${gasLimit}`).to.not.deep.equal([before.stage, before.cursor]);
        }
        await snapshot.restore();
      }
      expect(tooLow).to.be.greaterThan(0);
    });

    it("finishes when every call's gas is estimated (as keepers send it)", async () => {
      const fx = await loadFixture(epochFixture);
      const whole = await takeSnapshot();
      await runEpochToEnd(fx.s, fx.netuid, 16_000_000);
      const once = await readEpochOutput(fx.s, fx.netuid, 8);
      await whole.restore();
      let calls = 0;
      do {
        await (await fx.s.consensus.runEpoch(fx.netuid)).wait();
        calls++;
      } while ((await fx.s.consensus.epochStatus(fx.netuid)).stage !== 0n && calls < 32);
      expect(await readEpochOutput(fx.s, fx.netuid, 8)).to.deep.equal(once);
    });

    it("is not corrupted by registrations, stake moves and parameter changes during a chunked epoch", async () => {
      const fx = await loadFixture(epochFixture);
      const { s, netuid } = fx;
      const input = await readYumaInput(s, netuid);
      const first = await (await s.consensus.runEpoch(netuid, { gasLimit: 1_000_000 })).wait();
      expect((await s.consensus.epochStatus(netuid)).stage).to.equal(1n);
      // between chunks: a new neuron, more stake on a validator, new parameters
      await addNeuron(s, netuid, 5000n * ONE);
      await delegate(s, (fx.validators[3] as Neuron).address, 9000n * ONE);
      await (
        await s.consensus.setParams(netuid, {
          ...paramsObject(await s.consensus.defaultParams()),
          kappa: ONE / 5n,
        })
      ).wait();
      await runFullEpoch(s.consensus, netuid);
      const started = first?.logs.map((l) => s.consensus.interface.parseLog(l)).find((p) => p?.name === "EpochStarted");
      input.block = first?.blockNumber ?? 0;
      const pool = started?.args.pool as bigint;
      input.emission = pool - (pool * 1800n) / 10_000n;
      const want = yumaEpoch(input);
      const got = await readEpochOutput(s, netuid, 8);
      expect(got.consensus).to.deep.equal(want.consensus);
      expect(got.dividends).to.deep.equal(want.dividends);
      expect(got.minerEmission).to.deep.equal(want.minerEmission);
      expect(got.validatorEmission).to.deep.equal(want.validatorEmission);
    });

    it("pays the owner cut and carries the rest when the subnet has no neurons", async () => {
      const s = await loadFixture(deployStack);
      const netuid = await createTestSubnet(s);
      await mine(10);
      await expect(s.consensus.runEpoch(netuid)).to.emit(s.consensus, "EpochFinished");
      const r = await s.consensus.lastEpoch(netuid);
      expect(r.n).to.equal(0n);
      expect(r.ownerCut).to.be.greaterThan(0n);
      expect(r.paid).to.equal(0n);
      expect(r.carried).to.equal(r.emission);
    });
  });

  describe("views", () => {
    it("report the last epoch per UID", async () => {
      const fx = await loadFixture(epochFixture);
      const { s, netuid } = fx;
      const stakes = await Promise.all(fx.validators.map((v) => s.staking.stakeOf(v.address)));
      await runFullEpoch(s.consensus, netuid);
      const [number, startBlock, stage, cursor, neurons, validatorCount] = await s.consensus.epochStatus(netuid);
      expect([number, stage, cursor, neurons, validatorCount]).to.deep.equal([3n, 0n, 0n, 8n, 4n]);
      expect(startBlock).to.equal((await s.consensus.lastEpoch(netuid)).startBlock);
      const [next, current] = await s.consensus.permits(netuid);
      expect(next).to.equal(0b1111n);
      expect(current).to.equal(0b1111n);
      const incentive = await s.consensus.incentives(netuid);
      expect(incentive.length).to.equal(8);
      expect(incentive.slice(0, 4).every((x) => x === 0n)).to.equal(true);
      const [uids, activeStake, dividends, active, lastUpdate] = await s.consensus.validators(netuid);
      expect(uids.map(Number)).to.deep.equal([0, 1, 2, 3]);
      expect([...activeStake]).to.deep.equal(stakes);
      expect(active).to.deep.equal([true, true, true, true]);
      expect(lastUpdate.every((b) => b > 0n)).to.equal(true);
      expect(dividends.reduce((a, b) => a + b, 0n)).to.be.closeTo(ONE, 4n);
      const bonds = await s.consensus.bondsRow(netuid, 0, 8);
      expect(bonds.slice(4).every((b) => b > 0n)).to.equal(true);
      expect((await s.consensus.consensus(netuid)).length).to.equal(8);
      expect((await s.consensus.consensusU16(netuid, 8)).length).to.equal(8);
    });
  });
});

export type { Stack };
export { registerNeuron };
