import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  addNeuron,
  commitHash,
  createTestSubnet,
  deployStack,
  mineToDue,
  ONE,
  paramsObject,
  runFullEpoch,
  type Neuron,
} from "./fixtures";

/**
 * Weight copying under commit-reveal, on chain. Miners' quality moves every epoch (the best miner
 * rotates). Three honest validators commit what they observe now; a copier with the same stake
 * commits the public consensus of the last epoch. Weights count only once revealed, an epoch after
 * the commit, so the consensus the copier sees is two epochs older than the honest weights it
 * competes with: its weights sit above consensus on yesterday's best miners (clipped), its bonds
 * lag, and its dividends fall behind every honest validator's.
 */
describe("Consensus commit-reveal against weight copying", function () {
  this.timeout(300_000);

  const MINERS = 6;
  const EPOCHS = 10;

  /** Quality of miner j at epoch t: a rotating ranking. */
  function quality(j: number, t: number): number {
    return 1 + ((j + t) % MINERS) * 10_000;
  }

  async function copierFixture() {
    const s = await deployStack();
    const netuid = await createTestSubnet(s, { tempo: 10, maxValidators: 4 });
    await (
      await s.consensus.setParams(netuid, {
        ...paramsObject(await s.consensus.defaultParams()),
        weightsRateLimit: 0,
      })
    ).wait();
    const validators: Neuron[] = [];
    for (let i = 0; i < 4; i++) validators.push(await addNeuron(s, netuid, 1000n * ONE));
    const miners: Neuron[] = [];
    for (let i = 0; i < MINERS; i++) miners.push(await addNeuron(s, netuid, 0n));
    await runFullEpoch(s.consensus, netuid); // permits
    return { s, netuid, validators, miners };
  }

  it("pays a consensus copier less than honest validators with the same stake", async () => {
    const { s, netuid, validators, miners } = await loadFixture(copierFixture);
    const honest = validators.slice(0, 3);
    const copier = validators[3] as Neuron;
    const minerUids = miners.map((m) => m.uid);
    const salt = hre.ethers.id("copier");
    const pending = new Map<string, number[]>();
    const earned = new Map<number, bigint>(validators.map((v) => [v.uid, 0n]));

    for (let t = 1; t <= EPOCHS; t++) {
      // reveal what was committed last epoch
      for (const v of validators) {
        const row = pending.get(v.address);
        if (row) await (await s.consensus.connect(v.wallet).revealWeights(netuid, minerUids, row, salt, 0)).wait();
      }
      // commit: honest validators what they observe now, the copier the public consensus
      const consensus = await s.consensus.consensus(netuid);
      for (const v of validators) {
        const row: number[] =
          v === copier
            ? minerUids.map((u) => Number(((consensus[u] ?? 0n) * 65_535n) / ONE))
            : minerUids.map((_, j) => quality(j, t));
        if (!row.some((x) => x !== 0)) row.fill(1);
        pending.set(v.address, row);
        const h = commitHash(netuid, v.address, minerUids, row, salt);
        await (await s.consensus.connect(v.wallet).commitWeights(netuid, h)).wait();
      }
      await mineToDue(s, s.consensus, netuid);
      await runFullEpoch(s.consensus, netuid);
      const [, validatorEmission] = await s.consensus.emissions(netuid);
      for (const v of validators) earned.set(v.uid, (earned.get(v.uid) ?? 0n) + (validatorEmission[v.uid] ?? 0n));
    }

    const copierEarned = earned.get(copier.uid) ?? 0n;
    for (const v of honest) {
      const e = earned.get(v.uid) ?? 0n;
      expect(copierEarned, `copier vs honest uid ${v.uid}`).to.be.lessThan(e);
    }
    // and clearly so: at least 10% less than the average honest validator
    const avgHonest = honest.reduce((a, v) => a + (earned.get(v.uid) ?? 0n), 0n) / 3n;
    expect(copierEarned * 10n).to.be.lessThan(avgHonest * 9n);
  });
});
