import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
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
  type Stack,
} from "./fixtures";

const SALT = hre.ethers.id("salt");

describe("Consensus weights (commit-reveal)", function () {
  this.timeout(120_000);

  /** Three validators (permits after the first epoch) and three miners on a subnet with tempo 20. */
  async function weightsFixture() {
    const s = await deployStack();
    const netuid = await createTestSubnet(s, { tempo: 20, maxValidators: 3 });
    const validators: Neuron[] = [];
    for (const stake of [1000n, 2000n, 3000n]) validators.push(await addNeuron(s, netuid, stake * ONE));
    const miners: Neuron[] = [];
    for (let i = 0; i < 3; i++) miners.push(await addNeuron(s, netuid, 0n));
    await (
      await s.consensus.setParams(netuid, {
        ...paramsObject(await s.consensus.defaultParams()),
        weightsRateLimit: 5,
      })
    ).wait();
    await runFullEpoch(s.consensus, netuid); // epoch 1: permits for the validators
    return { s, netuid, validators, miners };
  }

  type Fx = Awaited<ReturnType<typeof weightsFixture>>;

  async function commit(fx: Fx, v: Neuron, uids: number[], weights: number[], salt = SALT, versionKey = 0n) {
    const hash = commitHash(fx.netuid, v.address, uids, weights, salt, versionKey);
    return fx.s.consensus.connect(v.wallet).commitWeights(fx.netuid, hash);
  }

  async function nextEpoch(fx: Fx) {
    await mineToDue(fx.s, fx.s.consensus, fx.netuid);
    await runFullEpoch(fx.s.consensus, fx.netuid);
  }

  function reveal(fx: Fx, v: Neuron, uids: number[], weights: number[], salt = SALT, versionKey = 0n) {
    return fx.s.consensus.connect(v.wallet).revealWeights(fx.netuid, uids, weights, salt, versionKey);
  }

  describe("commitWeights", () => {
    it("stores the commitment with the epoch and emits WeightsCommitted", async () => {
      const fx = await loadFixture(weightsFixture);
      const v = fx.validators[0] as Neuron;
      const hash = commitHash(fx.netuid, v.address, [3, 4], [100, 200], SALT);
      await expect(fx.s.consensus.connect(v.wallet).commitWeights(fx.netuid, hash))
        .to.emit(fx.s.consensus, "WeightsCommitted")
        .withArgs(fx.netuid, v.uid, v.address, hash, 1);
      const c = await fx.s.consensus.commitOf(fx.netuid, v.uid);
      expect(c.hash).to.equal(hash);
      expect(c.epoch).to.equal(1n);
      expect(c.commitBlock).to.equal(BigInt(await hre.ethers.provider.getBlockNumber()));
    });

    it("reverts for a hotkey that is not registered", async () => {
      const fx = await loadFixture(weightsFixture);
      await expect(fx.s.consensus.connect(fx.s.other).commitWeights(fx.netuid, SALT))
        .to.be.revertedWithCustomError(fx.s.consensus, "WeightsNotRegistered")
        .withArgs(fx.netuid, await fx.s.other.getAddress());
    });

    it("reverts for a registered neuron without a permit", async () => {
      const fx = await loadFixture(weightsFixture);
      const m = fx.miners[0] as Neuron;
      await expect(fx.s.consensus.connect(m.wallet).commitWeights(fx.netuid, SALT))
        .to.be.revertedWithCustomError(fx.s.consensus, "WeightsNoPermit")
        .withArgs(fx.netuid, m.uid);
    });

    it("reverts before the subnet's first epoch (no permits yet)", async () => {
      const fx = await loadFixture(weightsFixture);
      const netuid = await createTestSubnet(fx.s, { share: 0 });
      const v = await addNeuron(fx.s, netuid, 10n * ONE);
      await expect(fx.s.consensus.connect(v.wallet).commitWeights(netuid, SALT))
        .to.be.revertedWithCustomError(fx.s.consensus, "WeightsNoPermit")
        .withArgs(netuid, v.uid);
    });

    it("rate-limits commits of one validator", async () => {
      const fx = await loadFixture(weightsFixture);
      const v = fx.validators[1] as Neuron;
      await (await commit(fx, v, [3], [1])).wait();
      const first = await hre.ethers.provider.getBlockNumber();
      await expect(commit(fx, v, [3], [2]))
        .to.be.revertedWithCustomError(fx.s.consensus, "WeightsRateLimited")
        .withArgs(fx.netuid, v.uid, first + 5);
      await mine(5);
      await expect(commit(fx, v, [3], [2])).to.emit(fx.s.consensus, "WeightsCommitted");
    });

    it("replaces an unrevealed commitment", async () => {
      const fx = await loadFixture(weightsFixture);
      const v = fx.validators[0] as Neuron;
      await (await commit(fx, v, [3], [1])).wait();
      await mine(5);
      await (await commit(fx, v, [4], [1])).wait();
      await nextEpoch(fx);
      await expect(reveal(fx, v, [3], [1])).to.be.revertedWithCustomError(fx.s.consensus, "WeightsHashMismatch");
      await expect(reveal(fx, v, [4], [1])).to.emit(fx.s.consensus, "WeightsRevealed");
    });
  });

  describe("revealWeights", () => {
    it("stores the row packed with its block and emits WeightsRevealed", async () => {
      const fx = await loadFixture(weightsFixture);
      const v = fx.validators[2] as Neuron;
      const uids = [0, 3, 5];
      const weights = [10, 65_535, 7];
      await (await commit(fx, v, uids, weights)).wait();
      await nextEpoch(fx);
      const hash = commitHash(fx.netuid, v.address, uids, weights, SALT);
      await expect(reveal(fx, v, uids, weights))
        .to.emit(fx.s.consensus, "WeightsRevealed")
        .withArgs(fx.netuid, v.uid, v.address, hash, 3, 0);
      expect((await fx.s.consensus.weightsRow(fx.netuid, v.uid, 6)).map(Number)).to.deep.equal([
        10, 0, 0, 65_535, 0, 7,
      ]);
      const meta = await fx.s.consensus.rowMetaOf(fx.netuid, v.uid);
      expect(meta.setBlock).to.equal(BigInt(await hre.ethers.provider.getBlockNumber()));
      expect(meta.holderRegisteredAt).to.equal(await fx.s.subnets.registeredAt(fx.netuid, v.uid));
      expect(meta.sum).to.equal(10n + 65_535n + 7n);
      expect(meta.span).to.equal(1n);
      expect((await fx.s.consensus.commitOf(fx.netuid, v.uid)).hash).to.equal(hre.ethers.ZeroHash);
    });

    it("clears the old row's entries beyond the new one", async () => {
      const fx = await loadFixture(weightsFixture);
      const v = fx.validators[0] as Neuron;
      await (await commit(fx, v, [3, 4, 5], [5, 5, 5])).wait();
      await nextEpoch(fx);
      await (await reveal(fx, v, [3, 4, 5], [5, 5, 5])).wait();
      await (await commit(fx, v, [3], [9])).wait();
      await nextEpoch(fx);
      await (await reveal(fx, v, [3], [9])).wait();
      expect((await fx.s.consensus.weightsRow(fx.netuid, v.uid, 6)).map(Number)).to.deep.equal([0, 0, 0, 9, 0, 0]);
    });

    it("reverts without a commitment", async () => {
      const fx = await loadFixture(weightsFixture);
      const v = fx.validators[0] as Neuron;
      await expect(reveal(fx, v, [3], [1]))
        .to.be.revertedWithCustomError(fx.s.consensus, "WeightsNoCommit")
        .withArgs(fx.netuid, v.uid);
    });

    it("reverts for a hotkey that is not registered", async () => {
      const fx = await loadFixture(weightsFixture);
      await expect(fx.s.consensus.connect(fx.s.other).revealWeights(fx.netuid, [3], [1], SALT, 0))
        .to.be.revertedWithCustomError(fx.s.consensus, "WeightsNotRegistered")
        .withArgs(fx.netuid, await fx.s.other.getAddress());
    });

    it("reverts in the epoch of the commit (too early)", async () => {
      const fx = await loadFixture(weightsFixture);
      const v = fx.validators[0] as Neuron;
      await (await commit(fx, v, [3], [1])).wait();
      await expect(reveal(fx, v, [3], [1]))
        .to.be.revertedWithCustomError(fx.s.consensus, "WeightsRevealTooEarly")
        .withArgs(fx.netuid, v.uid, 1);
    });

    it("reverts two epochs after the commit (too late)", async () => {
      const fx = await loadFixture(weightsFixture);
      const v = fx.validators[0] as Neuron;
      await (await commit(fx, v, [3], [1])).wait();
      await nextEpoch(fx);
      await nextEpoch(fx);
      await expect(reveal(fx, v, [3], [1]))
        .to.be.revertedWithCustomError(fx.s.consensus, "WeightsRevealTooLate")
        .withArgs(fx.netuid, v.uid, 1, 3);
    });

    it("reverts while an epoch of the subnet is being processed in chunks", async () => {
      const fx = await loadFixture(weightsFixture);
      const v = fx.validators[0] as Neuron;
      await (await commit(fx, v, [3], [1])).wait();
      await mineToDue(fx.s, fx.s.consensus, fx.netuid);
      // just enough gas for the start step: the epoch stays open
      await (await fx.s.consensus.runEpoch(fx.netuid, { gasLimit: 1_000_000 })).wait();
      const [number, , stage] = await fx.s.consensus.epochStatus(fx.netuid);
      expect(stage).to.not.equal(0n);
      await expect(reveal(fx, v, [3], [1]))
        .to.be.revertedWithCustomError(fx.s.consensus, "WeightsEpochInProgress")
        .withArgs(fx.netuid, number);
      await runFullEpoch(fx.s.consensus, fx.netuid);
      await expect(reveal(fx, v, [3], [1])).to.emit(fx.s.consensus, "WeightsRevealed");
    });

    it("reverts on a wrong salt, weights, UIDs or version key (hash mismatch)", async () => {
      const fx = await loadFixture(weightsFixture);
      const v = fx.validators[0] as Neuron;
      await (await commit(fx, v, [3, 4], [1, 2])).wait();
      await nextEpoch(fx);
      const committed = commitHash(fx.netuid, v.address, [3, 4], [1, 2], SALT);
      const wrongSalt = hre.ethers.id("other");
      await expect(reveal(fx, v, [3, 4], [1, 2], wrongSalt))
        .to.be.revertedWithCustomError(fx.s.consensus, "WeightsHashMismatch")
        .withArgs(fx.netuid, v.uid, committed, commitHash(fx.netuid, v.address, [3, 4], [1, 2], wrongSalt));
      await expect(reveal(fx, v, [3, 4], [1, 3])).to.be.revertedWithCustomError(fx.s.consensus, "WeightsHashMismatch");
      await expect(reveal(fx, v, [3, 5], [1, 2])).to.be.revertedWithCustomError(fx.s.consensus, "WeightsHashMismatch");
      await expect(reveal(fx, v, [3, 4], [1, 2], SALT, 1n)).to.be.revertedWithCustomError(
        fx.s.consensus,
        "WeightsHashMismatch",
      );
    });

    it("reverts when another validator reveals the commitment (the hotkey is in the hash)", async () => {
      const fx = await loadFixture(weightsFixture);
      const [a, b] = fx.validators as [Neuron, Neuron];
      await (await commit(fx, a, [3], [1])).wait();
      await (
        await fx.s.consensus
          .connect(b.wallet)
          .commitWeights(fx.netuid, commitHash(fx.netuid, a.address, [3], [1], SALT))
      ).wait();
      await nextEpoch(fx);
      await expect(reveal(fx, b, [3], [1])).to.be.revertedWithCustomError(fx.s.consensus, "WeightsHashMismatch");
    });

    it("reverts when the version key is below the subnet's", async () => {
      const fx = await loadFixture(weightsFixture);
      const v = fx.validators[0] as Neuron;
      await (await commit(fx, v, [3], [1], SALT, 1n)).wait();
      const p = await fx.s.consensus.paramsOf(fx.netuid);
      await (
        await fx.s.consensus.setParams(fx.netuid, {
          ...paramsObject(p),
          versionKey: 2n,
        })
      ).wait();
      await nextEpoch(fx);
      await expect(reveal(fx, v, [3], [1], SALT, 1n))
        .to.be.revertedWithCustomError(fx.s.consensus, "WeightsVersionTooLow")
        .withArgs(1, 2);
    });

    const invalidRows: [string, number[], number[], string, (fx: Fx, v: Neuron) => unknown[]][] = [
      ["lengths differ", [3, 4], [1], "WeightsLengthMismatch", () => [2, 1]],
      ["a UID repeats", [3, 3], [1, 1], "WeightsDuplicateUid", () => [3]],
      ["UIDs are not sorted", [4, 3], [1, 1], "WeightsUnsortedUids", () => [1, 3, 4]],
      ["a UID is out of range", [3, 6], [1, 1], "WeightsUidOutOfRange", () => [6, 6]],
      ["every weight is zero", [3, 4], [0, 0], "WeightsNotNormalisable", (fx) => [fx.netuid]],
      ["the row is empty", [], [], "WeightsNotNormalisable", (fx) => [fx.netuid]],
    ];
    for (const [why, uids, weights, error, args] of invalidRows) {
      it(`reverts when ${why}`, async () => {
        const fx = await loadFixture(weightsFixture);
        const v = fx.validators[0] as Neuron;
        await (await commit(fx, v, uids, weights)).wait();
        await nextEpoch(fx);
        await expect(reveal(fx, v, uids, weights))
          .to.be.revertedWithCustomError(fx.s.consensus, error)
          .withArgs(...args(fx, v));
      });
    }

    it("reverts on a weight or UID that is not a u16 (raw calldata)", async () => {
      const fx = await loadFixture(weightsFixture);
      const v = fx.validators[0] as Neuron;
      await (await commit(fx, v, [3], [1])).wait();
      await nextEpoch(fx);
      const selector = fx.s.consensus.interface.getFunction("revealWeights").selector;
      const coder = hre.ethers.AbiCoder.defaultAbiCoder();
      for (const [uids, weights] of [
        [[3n], [65_536n]],
        [[65_539n], [1n]],
      ]) {
        const data =
          selector +
          coder
            .encode(["uint16", "uint256[]", "uint256[]", "bytes32", "uint64"], [fx.netuid, uids, weights, SALT, 0])
            .slice(2);
        await expect(
          v.wallet.sendTransaction({
            to: await fx.s.consensus.getAddress(),
            data,
          }),
        ).to.be.reverted;
      }
      await expect(reveal(fx, v, [3], [1])).to.emit(fx.s.consensus, "WeightsRevealed");
    });

    it("reverts when a weight's share of the row exceeds the subnet's max weight", async () => {
      const fx = await loadFixture(weightsFixture);
      const v = fx.validators[0] as Neuron;
      const p = await fx.s.consensus.paramsOf(fx.netuid);
      await (
        await fx.s.consensus.setParams(fx.netuid, {
          ...paramsObject(p),
          maxWeight: 32_768,
        })
      ).wait();
      await (await commit(fx, v, [3, 4], [3, 1])).wait();
      await nextEpoch(fx);
      await expect(reveal(fx, v, [3, 4], [3, 1]))
        .to.be.revertedWithCustomError(fx.s.consensus, "WeightsOverMaxWeight")
        .withArgs(3, 3, 4, 32_768);
      await (await commit(fx, v, [3, 4], [1, 1])).wait();
      await nextEpoch(fx);
      await expect(reveal(fx, v, [3, 4], [1, 1])).to.emit(fx.s.consensus, "WeightsRevealed");
    });
  });

  describe("views", () => {
    it("commitOf and rowMetaOf are empty for a UID that never committed", async () => {
      const fx = await loadFixture(weightsFixture);
      const c = await fx.s.consensus.commitOf(fx.netuid, 4);
      expect(c.hash).to.equal(hre.ethers.ZeroHash);
      expect((await fx.s.consensus.rowMetaOf(fx.netuid, 4)).setBlock).to.equal(0n);
      expect((await fx.s.consensus.weightsRow(fx.netuid, 4, 6)).map(Number)).to.deep.equal([0, 0, 0, 0, 0, 0]);
    });
  });
});

export type { Stack };
