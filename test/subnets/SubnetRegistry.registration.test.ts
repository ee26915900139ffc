import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { createSubnet, registerNeuron } from "@noosphere/deploy";
import { E18, decayRef, priceAt, registryFixture, smallParams, subnetFixture } from "./fixtures";

const FLOOR = E18;
const rise = (p: bigint) => (p * 126n) / 100n;

/** Sends the transactions built by `send` into one block, then mines it. */
async function inOneBlock(send: () => Promise<ContractTransactionResponse>[]): Promise<ContractTransactionResponse[]> {
  await network.provider.send("evm_setAutomine", [false]);
  try {
    const txs: ContractTransactionResponse[] = [];
    for (const s of send()) txs.push(await s);
    await network.provider.send("evm_mine");
    for (const tx of txs) await tx.wait();
    return txs;
  } finally {
    await network.provider.send("evm_setAutomine", [true]);
  }
}

describe("SubnetRegistry: registration", function () {
  describe("register", function () {
    it("a hotkey registers itself: UID 0, floor price burned, events, views", async function () {
      const { registry, tok, alice, netuid } = await loadFixture(subnetFixture);
      const supply = await tok.token.totalSupply();
      const balance = await tok.token.balanceOf(alice.address);
      const tx = registry.connect(alice).register(netuid, alice.address, FLOOR);
      await expect(tx)
        .to.emit(registry, "NeuronRegistered")
        .withArgs(netuid, 0, alice.address, FLOOR)
        .and.to.emit(registry, "BurnPriceUpdated")
        .withArgs(netuid, rise(FLOOR))
        .and.not.to.emit(registry, "NeuronPruned");
      const block = BigInt((await (await tx).wait())!.blockNumber);
      expect(await tok.token.totalSupply()).to.equal(supply - FLOOR);
      expect(await tok.token.balanceOf(alice.address)).to.equal(balance - FLOOR);
      expect(await registry.neuronCount(netuid)).to.equal(1);
      expect(await registry.hotkeyOf(netuid, 0)).to.equal(alice.address);
      expect(await registry.uidOf(netuid, alice.address)).to.equal(0);
      expect(await registry.isRegistered(netuid, alice.address)).to.equal(true);
      expect(await registry.registeredAt(netuid, 0)).to.equal(block);
      expect(await registry.lastEmission(netuid, 0)).to.equal(0n);
      expect(await registry.burnState(netuid)).to.deep.equal([rise(FLOOR), block]);
      expect(await registry.neurons(netuid)).to.deep.equal([[alice.address], [block], [0n]]);
    });

    it("the hotkey's owner in Staking registers it and pays", async function () {
      const { registry, tok, stk, coldkey, netuid } = await loadFixture(subnetFixture);
      const hotkey = ethers.Wallet.createRandom().address;
      await stk.setOwners([hotkey], coldkey.address);
      const balance = await tok.token.balanceOf(coldkey.address);
      await expect(registry.connect(coldkey).register(netuid, hotkey, FLOOR))
        .to.emit(registry, "NeuronRegistered")
        .withArgs(netuid, 0, hotkey, FLOOR);
      expect(await tok.token.balanceOf(coldkey.address)).to.equal(balance - FLOOR);
      expect(await registry.uidOf(netuid, hotkey)).to.equal(0);
    });

    it("UIDs are handed out 0, 1, 2... and one hotkey may register on several subnets", async function () {
      const { registry, creator, alice, bob, carol, netuid } = await loadFixture(subnetFixture);
      const other = await createSubnet(registry, creator, smallParams());
      for (const [i, s] of [alice, bob, carol].entries()) {
        expect(await registerNeuron(registry, s, netuid, s.address)).to.equal(i);
      }
      expect(await registerNeuron(registry, bob, other, bob.address)).to.equal(0);
      expect(await registry.neuronCount(netuid)).to.equal(3);
      expect(await registry.neuronCount(other)).to.equal(1);
      expect(await registry.registrationCount(netuid)).to.equal(3n);
      expect(await registry.registrationCount(other)).to.equal(1n);
      expect(await registry.registrationCount(999)).to.equal(0n);
      const [keys] = await registry.neurons(netuid);
      expect(keys).to.deep.equal([alice.address, bob.address, carol.address]);
    });

    it("rejects a caller that is neither the hotkey nor its owner", async function () {
      const { registry, stk, alice, bob, coldkey, netuid } = await loadFixture(subnetFixture);
      await expect(registry.connect(bob).register(netuid, alice.address, FLOOR))
        .to.be.revertedWithCustomError(registry, "SubnetsNotHotkeyOwner")
        .withArgs(alice.address, bob.address);
      const hotkey = ethers.Wallet.createRandom().address;
      await stk.setOwners([hotkey], coldkey.address);
      await expect(registry.connect(bob).register(netuid, hotkey, FLOOR))
        .to.be.revertedWithCustomError(registry, "SubnetsNotHotkeyOwner")
        .withArgs(hotkey, bob.address);
    });

    it("rejects the zero hotkey and unknown subnets", async function () {
      const { registry, alice, netuid } = await loadFixture(subnetFixture);
      await expect(registry.connect(alice).register(netuid, ethers.ZeroAddress, FLOOR)).to.be.revertedWithCustomError(
        registry,
        "SubnetsZeroAddress",
      );
      await expect(registry.connect(alice).register(5, alice.address, FLOOR))
        .to.be.revertedWithCustomError(registry, "SubnetsNotFound")
        .withArgs(5);
    });

    it("rejects a hotkey that already holds a UID on the subnet", async function () {
      const { registry, stk, alice, bob, coldkey, netuid } = await loadFixture(subnetFixture);
      await registry.connect(bob).register(netuid, bob.address, FLOOR);
      await registry.connect(alice).register(netuid, alice.address, 2n * FLOOR);
      await stk.setOwners([alice.address], coldkey.address);
      await expect(registry.connect(coldkey).register(netuid, alice.address, 10n * FLOOR))
        .to.be.revertedWithCustomError(registry, "SubnetsAlreadyRegistered")
        .withArgs(netuid, alice.address, 1);
    });

    it("reverts when the caller did not approve the burn", async function () {
      const { registry, tok, outsider, netuid } = await loadFixture(subnetFixture);
      await tok.mint(outsider.address, 10n * FLOOR);
      await expect(registry.connect(outsider).register(netuid, outsider.address, FLOOR))
        .to.be.revertedWithCustomError(tok.token, "ERC20InsufficientAllowance")
        .withArgs(await registry.getAddress(), 0n, FLOOR);
      expect(await registry.isRegistered(netuid, outsider.address)).to.equal(false);
    });

    it("registerNeuron helper approves the quoted price and returns the UID", async function () {
      const { registry, tok, outsider, netuid } = await loadFixture(subnetFixture);
      await tok.mint(outsider.address, FLOOR);
      expect(await registerNeuron(registry, outsider, netuid, outsider.address)).to.equal(0);
      expect(await tok.token.balanceOf(outsider.address)).to.equal(0n);
    });
  });

  describe("burn price", function () {
    it("starts at the floor and rises x1.26 per registration within a block", async function () {
      const { registry, alice, bob, carol, netuid } = await loadFixture(subnetFixture);
      expect(await registry.burnPrice(netuid)).to.equal(FLOOR);
      const txs = await inOneBlock(() =>
        [alice, bob, carol].map((s) => registry.connect(s).register(netuid, s.address, 10n * FLOOR, { gasLimit: 1e6 })),
      );
      const expected = [FLOOR, rise(FLOOR), rise(rise(FLOOR))];
      // The block orders transactions by fee, not by send order: check them in block order.
      const receipts = await Promise.all(txs.map(async (tx) => (await tx.wait())!));
      const inBlockOrder = txs
        .map((tx, i) => ({ tx, index: receipts[i]!.index }))
        .sort((a, b) => a.index - b.index)
        .map(({ tx }) => tx);
      for (const [i, tx] of inBlockOrder.entries()) {
        await expect(tx)
          .to.emit(registry, "NeuronRegistered")
          .withArgs(netuid, i, await tx.from, expected[i]);
      }
      expect(expected).to.deep.equal([10n ** 18n, 126n * 10n ** 16n, 15876n * 10n ** 14n]);
      expect((await registry.burnState(netuid))[0]).to.equal(rise(expected[2]!));
      expect(await registry.burnPrice(netuid)).to.equal(rise(expected[2]!)); // view runs at the same block
    });

    it("decays by whole halvings and linearly inside a half-life, never below the floor", async function () {
      const { registry, admin, alice, bob, carol, coldkey, netuid } = await loadFixture(subnetFixture);
      await registry.connect(admin).setParams(netuid, smallParams({ burnHalfLife: 100, minBurn: 1000n }));
      const signers = [alice, bob, carol, coldkey];
      await inOneBlock(() =>
        signers.map((s) => registry.connect(s).register(netuid, s.address, E18, { gasLimit: 1e6 })),
      );
      // 1000 -> 1260 -> 1587 -> 1999 -> 2518 stored after the fourth registration
      const [last] = await registry.burnState(netuid);
      expect(last).to.equal(2518n);
      expect(await registry.burnPrice(netuid)).to.equal(2518n);
      await mine(50); // half a half-life: 2518 - 1259 * 50 / 100 = 1889 (exact: 2518 / sqrt 2 = 1780)
      expect(await registry.burnPrice(netuid)).to.equal(1889n);
      await mine(50); // one half-life: 1259, as 2518 / 2
      expect(await registry.burnPrice(netuid)).to.equal(1259n);
      await mine(25); // 1259 - 630 * 25 / 100 = 1102
      expect(await registry.burnPrice(netuid)).to.equal(1102n);
      await mine(50); // 1.75 half-lives decays to 1 - 0.75 * 0.5... = 1259 - 630 * 75 / 100 = 787 -> floor 1000
      expect(await registry.burnPrice(netuid)).to.equal(1000n);
      await mine(10_000);
      expect(await registry.burnPrice(netuid)).to.equal(1000n);
    });

    it("matches the reference decay at every block of two half-lives", async function () {
      const { registry, admin, alice, bob, carol, coldkey, netuid } = await loadFixture(subnetFixture);
      await registry.connect(admin).setParams(netuid, smallParams({ burnHalfLife: 7, minBurn: 10n ** 20n }));
      await inOneBlock(() =>
        [alice, bob, carol, coldkey].map((s) =>
          registry.connect(s).register(netuid, s.address, 10n ** 21n, { gasLimit: 1e6 }),
        ),
      );
      const [last, lastBlock] = await registry.burnState(netuid);
      let previous = last;
      for (let i = 1; i <= 16; i++) {
        await mine(1);
        const price = await registry.burnPrice(netuid);
        const block = BigInt(await ethers.provider.getBlockNumber());
        const decayed = decayRef(last, block - lastBlock, 7n);
        expect(price).to.equal(decayed > 10n ** 20n ? decayed : 10n ** 20n);
        expect(price).to.be.lte(previous);
        previous = price;
      }
    });

    it("a registration pays the price of its block and stores 1.26x of it", async function () {
      const { registry, admin, alice, bob, netuid } = await loadFixture(subnetFixture);
      await registry.connect(admin).setParams(netuid, smallParams({ burnHalfLife: 10 }));
      await registry.connect(alice).register(netuid, alice.address, E18);
      await mine(3);
      const next = BigInt(await ethers.provider.getBlockNumber()) + 1n;
      const expected = await priceAt(registry, netuid, next);
      expect(expected).to.equal(decayRef(rise(FLOOR), 4n, 10n));
      await expect(registry.connect(bob).register(netuid, bob.address, expected))
        .to.emit(registry, "NeuronRegistered")
        .withArgs(netuid, 1, bob.address, expected)
        .and.to.emit(registry, "BurnPriceUpdated")
        .withArgs(netuid, rise(expected));
    });

    it("slippage guard: reverts when the price is above maxBurn", async function () {
      const { registry, alice, bob, netuid } = await loadFixture(subnetFixture);
      await expect(registry.connect(alice).register(netuid, alice.address, FLOOR - 1n))
        .to.be.revertedWithCustomError(registry, "SubnetsBurnExceedsMax")
        .withArgs(netuid, FLOOR, FLOOR - 1n);
      await registry.connect(alice).register(netuid, alice.address, FLOOR);
      const next = BigInt(await ethers.provider.getBlockNumber()) + 1n;
      const price = await priceAt(registry, netuid, next);
      await expect(registry.connect(bob).register(netuid, bob.address, price - 1n))
        .to.be.revertedWithCustomError(registry, "SubnetsBurnExceedsMax")
        .withArgs(netuid, price, price - 1n);
    });

    it("is tracked per subnet", async function () {
      const { registry, creator, alice, netuid } = await loadFixture(subnetFixture);
      const other = await createSubnet(registry, creator, smallParams({ minBurn: 5n }));
      await registry.connect(alice).register(netuid, alice.address, FLOOR);
      expect(await registry.burnPrice(other)).to.equal(5n);
      expect(await registry.burnState(other)).to.deep.equal([0n, 0n]);
    });

    it("a zero floor makes registration free until someone pays", async function () {
      const { registry, admin, tok, outsider, netuid } = await loadFixture(subnetFixture);
      await registry.connect(admin).setParams(netuid, smallParams({ minBurn: 0n }));
      // outsider holds no tokens and approved nothing
      await expect(registry.connect(outsider).register(netuid, outsider.address, 0n))
        .to.emit(registry, "NeuronRegistered")
        .withArgs(netuid, 0, outsider.address, 0n);
      expect(await tok.token.balanceOf(outsider.address)).to.equal(0n);
      expect(await registry.burnPrice(netuid)).to.equal(0n);
    });

    it("setParams settles the decay under the old half-life, then decays with the new one", async function () {
      const { registry, admin, alice, bob, carol, coldkey, netuid } = await loadFixture(subnetFixture);
      await registry.connect(admin).setParams(netuid, smallParams({ burnHalfLife: 10, minBurn: 1000n }));
      await inOneBlock(() =>
        [alice, bob, carol, coldkey].map((s) =>
          registry.connect(s).register(netuid, s.address, E18, { gasLimit: 1e6 }),
        ),
      );
      await mine(9); // the next block is 10 blocks (one half-life) after the registrations: 1259
      await expect(registry.connect(admin).setParams(netuid, smallParams({ burnHalfLife: 1000, minBurn: 1000n })))
        .to.emit(registry, "BurnPriceUpdated")
        .withArgs(netuid, 1259n);
      const block = BigInt(await ethers.provider.getBlockNumber());
      expect(await registry.burnState(netuid)).to.deep.equal([1259n, block]);
      await mine(500); // half of the new half-life: 1259 - 630 / 2 = 944 -> floor 1000
      expect(await registry.burnPrice(netuid)).to.equal(1000n);
    });

    it("setParams does not fold the old floor into the price: a lower floor applies at once", async function () {
      const { registry, admin, netuid } = await loadFixture(subnetFixture);
      await expect(registry.connect(admin).setParams(netuid, smallParams({ minBurn: 3n })))
        .to.emit(registry, "BurnPriceUpdated")
        .withArgs(netuid, 0n);
      expect(await registry.burnPrice(netuid)).to.equal(3n);
    });

    it("raising the floor applies at once", async function () {
      const { registry, admin, alice, netuid } = await loadFixture(subnetFixture);
      await registry.connect(alice).register(netuid, alice.address, FLOOR);
      await registry.connect(admin).setParams(netuid, smallParams({ minBurn: 50n * E18 }));
      expect(await registry.burnPrice(netuid)).to.equal(50n * E18);
    });
  });

  describe("subnet count limit", function () {
    it("reverts with SubnetsLimitReached after 65,535 subnets", async function () {
      const { registry, registryAddress, creator } = await loadFixture(registryFixture);
      // AccessControl._roles is slot 0, lockCost slot 1, _subnetCount slot 2.
      await network.provider.send("hardhat_setStorageAt", [registryAddress, "0x2", ethers.toBeHex(65_535, 32)]);
      expect(await registry.subnetCount()).to.equal(65_535);
      await expect(registry.connect(creator).createSubnet(smallParams()))
        .to.be.revertedWithCustomError(registry, "SubnetsLimitReached")
        .withArgs(65_535);
    });
  });
});
