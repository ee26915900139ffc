import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import { E18, hotkeys, smallParams, subnetFixture } from "./fixtures";

const MAX = 10n ** 30n;
const IMMUNITY = 10;

/** Subnet 1 full: 4 UIDs held by hotkeys of `coldkey`, registered in blocks b, b+1, b+2, b+3. */
async function fullSubnetFixture() {
  const base = await subnetFixture();
  const { registry, stk, coldkey, netuid } = base;
  const keys = hotkeys(8);
  await stk.setOwners(keys, coldkey.address);
  const blocks: bigint[] = [];
  for (const key of keys.slice(0, 4)) {
    const receipt = await (await registry.connect(coldkey).register(netuid, key, MAX)).wait();
    blocks.push(BigInt(receipt!.blockNumber));
  }
  return { ...base, keys, blocks };
}

async function record(fx: Awaited<ReturnType<typeof fullSubnetFixture>>, amounts: bigint[]): Promise<void> {
  await fx.registry.connect(fx.epoch).recordEmission(
    fx.netuid,
    amounts.map((_, i) => i),
    amounts,
  );
}

describe("SubnetRegistry: emission record and pruning", function () {
  describe("recordEmission", function () {
    it("EPOCH_ROLE records the listed UIDs and emits", async function () {
      const fx = await loadFixture(fullSubnetFixture);
      const { registry, epoch, netuid } = fx;
      await expect(registry.connect(epoch).recordEmission(netuid, [2, 0], [7n, 9n]))
        .to.emit(registry, "EmissionRecorded")
        .withArgs(netuid, [2, 0], [7n, 9n]);
      expect(await registry.lastEmission(netuid, 0)).to.equal(9n);
      expect(await registry.lastEmission(netuid, 1)).to.equal(0n);
      expect(await registry.lastEmission(netuid, 2)).to.equal(7n);
      expect((await registry.neurons(netuid))[2]).to.deep.equal([9n, 0n, 7n, 0n]);
      await registry.connect(epoch).recordEmission(netuid, [0], [1n]);
      expect(await registry.lastEmission(netuid, 0)).to.equal(1n);
      expect(await registry.lastEmission(netuid, 2)).to.equal(7n); // unlisted UIDs keep their record
    });

    it("keeps two UIDs per slot: a pair listed together, one half alone, any order", async function () {
      const fx = await loadFixture(fullSubnetFixture);
      const { registry, epoch, netuid } = fx;
      await registry.connect(epoch).recordEmission(netuid, [2, 3, 1], [20n, 30n, 10n]);
      await registry.connect(epoch).recordEmission(netuid, [3], [31n]);
      await registry.connect(epoch).recordEmission(netuid, [0, 2], [1n, 21n]);
      const max = 2n ** 88n - 1n;
      await registry.connect(epoch).recordEmission(netuid, [1, 0], [max, 0n]);
      const [, , em] = await registry.neurons(netuid);
      expect(em).to.deep.equal([0n, max, 21n, 31n]);
      for (const [uid, want] of em.entries()) expect(await registry.lastEmission(netuid, uid)).to.equal(want);
    });

    it("rejects callers without EPOCH_ROLE (the admin included)", async function () {
      const { registry, admin, netuid } = await loadFixture(fullSubnetFixture);
      await expect(registry.connect(admin).recordEmission(netuid, [0], [1n]))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(admin.address, await registry.EPOCH_ROLE());
    });

    it("rejects unknown subnets, length mismatches, UIDs out of range and amounts over uint88", async function () {
      const { registry, epoch, netuid } = await loadFixture(fullSubnetFixture);
      await expect(registry.connect(epoch).recordEmission(3, [0], [1n]))
        .to.be.revertedWithCustomError(registry, "SubnetsNotFound")
        .withArgs(3);
      await expect(registry.connect(epoch).recordEmission(netuid, [0, 1], [1n]))
        .to.be.revertedWithCustomError(registry, "SubnetsLengthMismatch")
        .withArgs(2, 1);
      await expect(registry.connect(epoch).recordEmission(netuid, [4], [1n]))
        .to.be.revertedWithCustomError(registry, "SubnetsUidOutOfRange")
        .withArgs(netuid, 4, 4);
      const tooLarge = 2n ** 88n;
      await expect(registry.connect(epoch).recordEmission(netuid, [0], [tooLarge]))
        .to.be.revertedWithCustomError(registry, "SubnetsEmissionTooLarge")
        .withArgs(tooLarge);
      await registry.connect(epoch).recordEmission(netuid, [0], [tooLarge - 1n]);
      expect(await registry.lastEmission(netuid, 0)).to.equal(tooLarge - 1n);
    });
  });

  describe("UID views", function () {
    it("revert for UIDs out of range and for unregistered hotkeys", async function () {
      const { registry, netuid, keys } = await loadFixture(fullSubnetFixture);
      for (const view of [
        () => registry.hotkeyOf(netuid, 4),
        () => registry.registeredAt(netuid, 4),
        () => registry.lastEmission(netuid, 4),
        () => registry.axonOf(netuid, 4),
      ]) {
        await expect(view()).to.be.revertedWithCustomError(registry, "SubnetsUidOutOfRange").withArgs(netuid, 4, 4);
      }
      await expect(registry.uidOf(netuid, keys[5]!))
        .to.be.revertedWithCustomError(registry, "SubnetsNotRegistered")
        .withArgs(netuid, keys[5]);
      expect(await registry.isRegistered(netuid, keys[5]!)).to.equal(false);
    });
  });

  describe("pruning a full subnet", function () {
    it("reverts with SubnetsAllImmune while every UID is immune", async function () {
      const { registry, coldkey, netuid, keys } = await loadFixture(fullSubnetFixture);
      await expect(registry.connect(coldkey).register(netuid, keys[4]!, MAX))
        .to.be.revertedWithCustomError(registry, "SubnetsAllImmune")
        .withArgs(netuid);
    });

    it("replaces the non-immune UID with the lowest emission", async function () {
      const fx = await loadFixture(fullSubnetFixture);
      const { registry, coldkey, netuid, keys } = fx;
      await mine(IMMUNITY);
      await record(fx, [5n, 3n, 7n, 9n]);
      const tx = registry.connect(coldkey).register(netuid, keys[4]!, MAX);
      await expect(tx)
        .to.emit(registry, "NeuronPruned")
        .withArgs(netuid, 1, keys[1])
        .and.to.emit(registry, "NeuronRegistered")
        .withArgs(netuid, 1, keys[4], (burned: bigint) => burned > 0n);
      const block = BigInt((await (await tx).wait())!.blockNumber);
      expect(await registry.neuronCount(netuid)).to.equal(4);
      expect(await registry.hotkeyOf(netuid, 1)).to.equal(keys[4]);
      expect(await registry.uidOf(netuid, keys[4]!)).to.equal(1);
      expect(await registry.isRegistered(netuid, keys[1]!)).to.equal(false);
      await expect(registry.uidOf(netuid, keys[1]!))
        .to.be.revertedWithCustomError(registry, "SubnetsNotRegistered")
        .withArgs(netuid, keys[1]);
      expect(await registry.registeredAt(netuid, 1)).to.equal(block);
      expect(await registry.lastEmission(netuid, 1)).to.equal(0n);
      const [hk, at, em] = await registry.neurons(netuid);
      expect(hk).to.deep.equal([keys[0], keys[4], keys[2], keys[3]]);
      expect(at).to.deep.equal([fx.blocks[0], block, fx.blocks[2], fx.blocks[3]]);
      expect(em).to.deep.equal([5n, 0n, 7n, 9n]);
      // a replaced holder counts as a registration: neurons() readers know their copy is stale
      expect(await registry.registrationCount(netuid)).to.equal(5n);
    });

    it("respects the immunity period: an immune UID with the lowest emission is skipped", async function () {
      const fx = await loadFixture(fullSubnetFixture);
      const { registry, coldkey, netuid, keys } = fx;
      await mine(IMMUNITY);
      await record(fx, [5n, 3n, 7n, 9n]);
      await registry.connect(coldkey).register(netuid, keys[4]!, MAX); // takes UID 1, emission 0, immune
      await expect(registry.connect(coldkey).register(netuid, keys[5]!, MAX))
        .to.emit(registry, "NeuronPruned")
        .withArgs(netuid, 0, keys[0]);
    });

    it("a UID is immune for exactly immunityPeriod blocks after its registration block", async function () {
      const fx = await loadFixture(fullSubnetFixture);
      const { registry, coldkey, netuid, keys, blocks } = fx;
      // UID 0 registered at blocks[0]; the others later. Give UID 0 the lowest emission.
      await record(fx, [0n, 5n, 5n, 5n]);
      const now = BigInt(await ethers.provider.getBlockNumber());
      // Next tx lands at blocks[0] + IMMUNITY: still immune; every other UID is younger, so all immune.
      await mine(blocks[0]! + BigInt(IMMUNITY) - now - 1n);
      await expect(registry.connect(coldkey).register(netuid, keys[4]!, MAX))
        .to.be.revertedWithCustomError(registry, "SubnetsAllImmune")
        .withArgs(netuid);
      // The failed tx mined a block: the next lands at blocks[0] + IMMUNITY + 1, UID 0 is prunable.
      expect(BigInt(await ethers.provider.getBlockNumber())).to.equal(blocks[0]! + BigInt(IMMUNITY));
      await expect(registry.connect(coldkey).register(netuid, keys[4]!, MAX))
        .to.emit(registry, "NeuronPruned")
        .withArgs(netuid, 0, keys[0]);
    });

    it("ties on emission go to the earliest registered", async function () {
      const fx = await loadFixture(fullSubnetFixture);
      const { registry, admin, coldkey, netuid, keys } = fx;
      await mine(IMMUNITY);
      // UID 2 is replaced by a fresh hotkey (now latest registered) ...
      await record(fx, [9n, 9n, 1n, 9n]);
      await registry.connect(coldkey).register(netuid, keys[4]!, MAX);
      await registry.connect(admin).setParams(netuid, smallParams({ immunityPeriod: 0 }));
      await mine(1);
      // ... all UIDs tie at 4: the earliest registered is UID 0
      await record(fx, [4n, 4n, 4n, 4n]);
      await expect(registry.connect(coldkey).register(netuid, keys[5]!, MAX))
        .to.emit(registry, "NeuronPruned")
        .withArgs(netuid, 0, keys[0]);
      // all tie at 4 again: UID 1 is now the earliest registered (UID 2 and UID 0 are newer)
      await record(fx, [4n, 4n, 4n, 4n]);
      await expect(registry.connect(coldkey).register(netuid, keys[6]!, MAX))
        .to.emit(registry, "NeuronPruned")
        .withArgs(netuid, 1, keys[1]);
    });

    it("ties on emission and registration block go to the lowest UID", async function () {
      const { registry, admin, coldkey, stk, netuid } = await loadFixture(subnetFixture);
      await registry.connect(admin).setParams(netuid, smallParams({ immunityPeriod: 0, minBurn: 0n }));
      const keys = hotkeys(6, 7);
      await stk.setOwners(keys, coldkey.address);
      await network.provider.send("evm_setAutomine", [false]);
      try {
        const txs = [];
        for (const key of [keys[2]!, keys[0]!, keys[3]!, keys[1]!]) {
          txs.push(await registry.connect(coldkey).register(netuid, key, 0n, { gasLimit: 1e6 }));
        }
        await network.provider.send("evm_mine");
        for (const tx of txs) await tx.wait();
      } finally {
        await network.provider.send("evm_setAutomine", [true]);
      }
      const [hk, at] = await registry.neurons(netuid);
      expect(hk).to.deep.equal([keys[2], keys[0], keys[3], keys[1]]);
      expect(new Set(at).size).to.equal(1);
      await expect(registry.connect(coldkey).register(netuid, keys[4]!, 0n))
        .to.emit(registry, "NeuronPruned")
        .withArgs(netuid, 0, keys[2]);
      // UID 0 is now the newest; UIDs 1-3 still tie on emission (0) and block: UID 1 goes next
      await expect(registry.connect(coldkey).register(netuid, keys[5]!, 0n))
        .to.emit(registry, "NeuronPruned")
        .withArgs(netuid, 1, keys[0]);
    });

    it("clears the pruned UID's axon, and the pruned hotkey may register again", async function () {
      const fx = await loadFixture(fullSubnetFixture);
      const { registry, admin, coldkey, netuid, keys } = fx;
      await registry.connect(admin).setParams(netuid, smallParams({ maxUids: 5, maxValidators: 2 }));
      // a signer-held hotkey serves an axon on UID 4
      const [, , alice] = await ethers.getSigners();
      await registry.connect(alice!).register(netuid, alice!.address, MAX);
      await registry.connect(alice!).serveAxon(netuid, "miner.example", 8080, "https", ethers.ZeroHash);
      expect((await registry.axonOf(netuid, 4)).port).to.equal(8080);
      await mine(IMMUNITY + 1);
      await record(fx, [5n, 5n, 5n, 5n, 1n]);
      await expect(registry.connect(coldkey).register(netuid, keys[4]!, MAX))
        .to.emit(registry, "NeuronPruned")
        .withArgs(netuid, 4, alice!.address);
      const axon = await registry.axonOf(netuid, 4);
      expect([axon.host, axon.port, axon.protocol, axon.modelHash, axon.updatedBlock]).to.deep.equal([
        "",
        0n,
        "",
        ethers.ZeroHash,
        0n,
      ]);
      await mine(IMMUNITY + 1);
      // keys[4] now holds UID 4 with no emission recorded: it goes, and alice comes back on it
      await expect(registry.connect(alice!).register(netuid, alice!.address, MAX))
        .to.emit(registry, "NeuronPruned")
        .withArgs(netuid, 4, keys[4])
        .and.to.emit(registry, "NeuronRegistered")
        .withArgs(netuid, 4, alice!.address, (b: bigint) => b >= E18);
    });
  });
});
