import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import { BPS, MAX_TAKE, TAKE_DELAY, expectBalanced, stakingFixture, toAssets } from "./fixtures";

const E = (n: string) => ethers.parseEther(n);

describe("Staking: rewards, credits and claims", function () {
  async function delegatedFixture() {
    const f = await stakingFixture();
    await f.staking.connect(f.alice).delegate(f.hotkeyA.address, E("100"), 0);
    await f.staking.connect(f.bob).delegate(f.hotkeyA.address, E("300"), 0);
    return f;
  }

  describe("distribute", function () {
    it("credits incentive and the take to the owner, and raises the pool by the rest", async function () {
      const { staking, token, rewarder, hotkeyA, ownerA } = await loadFixture(delegatedFixture);
      const incentive = E("7");
      const dividends = E("10");
      const take = (dividends * MAX_TAKE) / BPS;
      await expect(staking.connect(rewarder).distribute(hotkeyA.address, incentive, dividends))
        .to.emit(staking, "Distributed")
        .withArgs(hotkeyA.address, incentive, dividends, take)
        .and.to.emit(token, "Transfer")
        .withArgs(rewarder.address, await staking.getAddress(), incentive + dividends);
      expect(await staking.claimable(ownerA.address)).to.equal(incentive + take);
      expect(await staking.stakeOf(hotkeyA.address)).to.equal(E("400") + dividends - take);
      expect(await staking.totals()).to.deep.equal([E("400") + dividends - take, incentive + take, 0n]);
      await expectBalanced(staking, token);
    });

    it("nominators compound: every delegator's value rises pro rata, epoch after epoch", async function () {
      const { staking, token, rewarder, hotkeyA, alice, bob } = await loadFixture(delegatedFixture);
      let alicePrev = E("100");
      let bobPrev = E("300");
      for (let epoch = 0; epoch < 3; epoch++) {
        const pool = await staking.stakeOf(hotkeyA.address);
        const dividends = E("40");
        const toPool = dividends - (dividends * MAX_TAKE) / BPS;
        await staking.connect(rewarder).distribute(hotkeyA.address, 0, dividends);
        const aliceNow = await staking.delegationValueOf(hotkeyA.address, alice.address);
        const bobNow = await staking.delegationValueOf(hotkeyA.address, bob.address);
        // each gains its share of the pool part (up to a few wei of rounding, never in its favour)
        const aliceGain = (toPool * alicePrev) / pool;
        const bobGain = (toPool * bobPrev) / pool;
        expect(aliceNow).to.be.lte(alicePrev + aliceGain + 1n);
        expect(aliceNow).to.be.gte(alicePrev + aliceGain - 2n);
        expect(bobNow).to.be.lte(bobPrev + bobGain + 1n);
        expect(bobNow).to.be.gte(bobPrev + bobGain - 2n);
        // bob holds three times alice's shares, and three times her value
        expect(bobNow).to.be.closeTo(aliceNow * 3n, 3n);
        alicePrev = aliceNow;
        bobPrev = bobNow;
      }
      // 3 epochs of 32.8 into a 400 pool: alice's 100 grew to ~124.6, with no transaction of hers
      expect(alicePrev).to.be.closeTo(E("124.6"), E("0.001"));
      await expectBalanced(staking, token);
    });

    it("a later delegator does not share earlier rewards", async function () {
      const { staking, rewarder, hotkeyA, alice, carol } = await loadFixture(delegatedFixture);
      await staking.connect(rewarder).distribute(hotkeyA.address, 0, E("100"));
      const aliceBefore = await staking.delegationValueOf(hotkeyA.address, alice.address);
      await staking.connect(carol).delegate(hotkeyA.address, E("50"), 0);
      expect(await staking.delegationValueOf(hotkeyA.address, carol.address)).to.be.closeTo(E("50"), 1n);
      expect(await staking.delegationValueOf(hotkeyA.address, alice.address)).to.be.gte(aliceBefore);
    });

    it("pays all dividends to the owner while the pool has no shares", async function () {
      const { staking, token, rewarder, hotkeyB, ownerB } = await loadFixture(delegatedFixture);
      await expect(staking.connect(rewarder).distribute(hotkeyB.address, 0, E("10")))
        .to.emit(staking, "Distributed")
        .withArgs(hotkeyB.address, 0, E("10"), E("10"));
      expect(await staking.claimable(ownerB.address)).to.equal(E("10"));
      expect(await staking.stakeOf(hotkeyB.address)).to.equal(0n);
      await expectBalanced(staking, token);
    });

    it("pays an unregistered hotkey itself", async function () {
      const { staking, token, rewarder } = await loadFixture(delegatedFixture);
      const hotkey = ethers.Wallet.createRandom().address;
      await expect(staking.connect(rewarder).distribute(hotkey, E("1"), E("2")))
        .to.emit(staking, "Distributed")
        .withArgs(hotkey, E("1"), E("2"), E("2"));
      expect(await staking.claimable(hotkey)).to.equal(E("3"));
      await expectBalanced(staking, token);
    });

    it("uses the take in force: a raise only from its effective block, a decrease at once", async function () {
      const { staking, rewarder, hotkeyA, ownerA } = await loadFixture(delegatedFixture);
      await staking.connect(ownerA).decreaseTake(hotkeyA.address, 1_000);
      await expect(staking.connect(rewarder).distribute(hotkeyA.address, 0, E("1")))
        .to.emit(staking, "Distributed")
        .withArgs(hotkeyA.address, 0, E("1"), E("0.1"));
      await staking.connect(ownerA).increaseTake(hotkeyA.address, 1_500);
      await expect(staking.connect(rewarder).distribute(hotkeyA.address, 0, E("1")))
        .to.emit(staking, "Distributed")
        .withArgs(hotkeyA.address, 0, E("1"), E("0.1"));
      await mine(TAKE_DELAY);
      await expect(staking.connect(rewarder).distribute(hotkeyA.address, 0, E("1")))
        .to.emit(staking, "Distributed")
        .withArgs(hotkeyA.address, 0, E("1"), E("0.15"));
      await staking.connect(ownerA).decreaseTake(hotkeyA.address, 0);
      await expect(staking.connect(rewarder).distribute(hotkeyA.address, 0, E("1")))
        .to.emit(staking, "Distributed")
        .withArgs(hotkeyA.address, 0, E("1"), 0);
    });

    it("rounds the take down (in the pool's favour)", async function () {
      const { staking, rewarder, hotkeyA } = await loadFixture(delegatedFixture);
      await expect(staking.connect(rewarder).distribute(hotkeyA.address, 0, 9))
        .to.emit(staking, "Distributed")
        .withArgs(hotkeyA.address, 0, 9, 1); // 9 x 18% = 1.62
    });

    it("does nothing for zero rewards", async function () {
      const { staking, rewarder, hotkeyA } = await loadFixture(delegatedFixture);
      await expect(staking.connect(rewarder).distribute(hotkeyA.address, 0, 0)).not.to.emit(staking, "Distributed");
    });

    it("is for REWARDER_ROLE only", async function () {
      const { staking, hotkeyA, other } = await loadFixture(delegatedFixture);
      await expect(staking.connect(other).distribute(hotkeyA.address, 1, 1))
        .to.be.revertedWithCustomError(staking, "AccessControlUnauthorizedAccount")
        .withArgs(other.address, await staking.REWARDER_ROLE());
    });
  });

  describe("distributeBatch", function () {
    it("pays many hotkeys with one transfer of the total", async function () {
      const { staking, token, rewarder, hotkeyA, ownerA, hotkeyB, ownerB } = await loadFixture(delegatedFixture);
      const unregistered = ethers.Wallet.createRandom().address;
      const hotkeys = [hotkeyA.address, hotkeyB.address, unregistered, hotkeyA.address];
      const incentives = [E("1"), E("2"), E("3"), 0n];
      const dividends = [E("10"), E("20"), 0n, E("5")];
      const total = [...incentives, ...dividends].reduce((a, b) => a + b, 0n);
      const before = await token.balanceOf(rewarder.address);
      const tx = staking.connect(rewarder).distributeBatch(hotkeys, incentives, dividends);
      await expect(tx)
        .to.emit(staking, "Distributed")
        .withArgs(hotkeyA.address, E("1"), E("10"), E("1.8"))
        .and.to.emit(staking, "Distributed")
        .withArgs(hotkeyB.address, E("2"), E("20"), E("20"))
        .and.to.emit(staking, "Distributed")
        .withArgs(unregistered, E("3"), 0, 0)
        .and.to.emit(staking, "Distributed")
        .withArgs(hotkeyA.address, 0, E("5"), E("0.9"));
      const receipt = await (await tx).wait();
      const transfers = receipt!.logs.filter((l) => l.address === ethers.getAddress(String(token.target)));
      expect(transfers).to.have.length(1);
      expect(before - (await token.balanceOf(rewarder.address))).to.equal(total);
      expect(await staking.claimable(ownerA.address)).to.equal(E("1") + E("1.8") + E("0.9"));
      expect(await staking.claimable(ownerB.address)).to.equal(E("22"));
      expect(await staking.claimable(unregistered)).to.equal(E("3"));
      expect(await staking.stakeOf(hotkeyA.address)).to.equal(E("400") + E("8.2") + E("4.1"));
      await expectBalanced(staking, token);
    });

    it("skips empty entries and accepts an empty batch", async function () {
      const { staking, rewarder, hotkeyA, hotkeyB } = await loadFixture(delegatedFixture);
      await expect(staking.connect(rewarder).distributeBatch([hotkeyA.address, hotkeyB.address], [0, 1], [0, 0]))
        .to.emit(staking, "Distributed")
        .withArgs(hotkeyB.address, 1, 0, 0);
      await expect(staking.connect(rewarder).distributeBatch([], [], [])).not.to.emit(staking, "Distributed");
    });

    it("reverts on length mismatch", async function () {
      const { staking, rewarder, hotkeyA } = await loadFixture(delegatedFixture);
      await expect(staking.connect(rewarder).distributeBatch([hotkeyA.address], [1, 2], [1]))
        .to.be.revertedWithCustomError(staking, "StakingLengthMismatch")
        .withArgs(1, 2, 1);
      await expect(staking.connect(rewarder).distributeBatch([hotkeyA.address], [1], []))
        .to.be.revertedWithCustomError(staking, "StakingLengthMismatch")
        .withArgs(1, 1, 0);
    });

    it("is for REWARDER_ROLE only", async function () {
      const { staking, hotkeyA, other } = await loadFixture(delegatedFixture);
      await expect(staking.connect(other).distributeBatch([hotkeyA.address], [1], [1]))
        .to.be.revertedWithCustomError(staking, "AccessControlUnauthorizedAccount")
        .withArgs(other.address, await staking.REWARDER_ROLE());
    });

    it("gives the same result as one distribute per hotkey", async function () {
      const { staking, rewarder, hotkeyA, ownerA, hotkeyB, ownerB } = await loadFixture(delegatedFixture);
      const args: [string[], bigint[], bigint[]] = [
        [hotkeyA.address, hotkeyB.address],
        [3n, E("1")],
        [E("3.3"), 77n],
      ];
      const snapshot = await (await import("@nomicfoundation/hardhat-network-helpers")).takeSnapshot();
      for (let i = 0; i < 2; i++) {
        await staking.connect(rewarder).distribute(args[0][i]!, args[1][i]!, args[2][i]!);
      }
      const single = [
        await staking.claimable(ownerA.address),
        await staking.claimable(ownerB.address),
        await staking.poolOf(hotkeyA.address),
        await staking.totals(),
      ];
      await snapshot.restore();
      await staking.connect(rewarder).distributeBatch(...args);
      expect([
        await staking.claimable(ownerA.address),
        await staking.claimable(ownerB.address),
        await staking.poolOf(hotkeyA.address),
        await staking.totals(),
      ]).to.deep.equal(single);
    });
  });

  describe("credit", function () {
    it("pulls the amount and credits it to the account", async function () {
      const { staking, token, rewarder, carol } = await loadFixture(stakingFixture);
      await expect(staking.connect(rewarder).credit(carol.address, E("5")))
        .to.emit(staking, "Credited")
        .withArgs(carol.address, E("5"))
        .and.to.emit(token, "Transfer")
        .withArgs(rewarder.address, await staking.getAddress(), E("5"));
      await staking.connect(rewarder).credit(carol.address, E("1"));
      expect(await staking.claimable(carol.address)).to.equal(E("6"));
      expect(await staking.totalClaimable()).to.equal(E("6"));
      await expectBalanced(staking, token);
    });

    it("does nothing for zero", async function () {
      const { staking, rewarder, carol } = await loadFixture(stakingFixture);
      await expect(staking.connect(rewarder).credit(carol.address, 0)).not.to.emit(staking, "Credited");
      expect(await staking.claimable(carol.address)).to.equal(0n);
    });

    it("reverts for the zero address", async function () {
      const { staking, rewarder } = await loadFixture(stakingFixture);
      await expect(staking.connect(rewarder).credit(ethers.ZeroAddress, 1)).to.be.revertedWithCustomError(
        staking,
        "StakingZeroAddress",
      );
    });

    it("is for REWARDER_ROLE only", async function () {
      const { staking, other } = await loadFixture(stakingFixture);
      await expect(staking.connect(other).credit(other.address, 1))
        .to.be.revertedWithCustomError(staking, "AccessControlUnauthorizedAccount")
        .withArgs(other.address, await staking.REWARDER_ROLE());
    });
  });

  describe("claim", function () {
    it("transfers the whole claimable balance", async function () {
      const { staking, token, rewarder, hotkeyA, ownerA } = await loadFixture(delegatedFixture);
      await staking.connect(rewarder).distribute(hotkeyA.address, E("2"), E("10"));
      await staking.connect(rewarder).credit(ownerA.address, E("1"));
      const amount = E("2") + E("1.8") + E("1");
      expect(await staking.connect(ownerA).claim.staticCall()).to.equal(amount);
      await expect(staking.connect(ownerA).claim())
        .to.emit(staking, "Claimed")
        .withArgs(ownerA.address, amount)
        .and.to.emit(token, "Transfer")
        .withArgs(await staking.getAddress(), ownerA.address, amount);
      expect(await staking.claimable(ownerA.address)).to.equal(0n);
      expect(await staking.totalClaimable()).to.equal(0n);
      await expectBalanced(staking, token);
    });

    it("claims again after new credits (and not before)", async function () {
      const { staking, token, rewarder, carol } = await loadFixture(stakingFixture);
      await staking.connect(rewarder).credit(carol.address, 10);
      await staking.connect(carol).claim();
      expect(await staking.claimable(carol.address)).to.equal(0n);
      await expect(staking.connect(carol).claim())
        .to.be.revertedWithCustomError(staking, "StakingNothingToClaim")
        .withArgs(carol.address);
      await staking.connect(rewarder).credit(carol.address, 7);
      expect(await staking.claimable(carol.address)).to.equal(7n);
      await expect(staking.connect(carol).claim()).to.emit(staking, "Claimed").withArgs(carol.address, 7);
      expect(await staking.totalClaimable()).to.equal(0n);
      await expectBalanced(staking, token);
    });

    it("reverts when there is nothing to claim", async function () {
      const { staking, other } = await loadFixture(stakingFixture);
      await expect(staking.connect(other).claim())
        .to.be.revertedWithCustomError(staking, "StakingNothingToClaim")
        .withArgs(other.address);
    });
  });

  describe("skim", function () {
    it("returns tokens sent in directly, and nothing that is accounted for", async function () {
      const { staking, token, admin, rewarder, hotkeyA, alice, carol } = await loadFixture(delegatedFixture);
      await staking.connect(rewarder).distribute(hotkeyA.address, E("1"), E("1"));
      await expect(staking.skim(carol.address)).to.emit(staking, "Skimmed").withArgs(carol.address, 0);
      await token.connect(alice).transfer(await staking.getAddress(), E("3"));
      await expect(staking.connect(admin).skim(carol.address))
        .to.emit(staking, "Skimmed")
        .withArgs(carol.address, E("3"))
        .and.to.emit(token, "Transfer")
        .withArgs(await staking.getAddress(), carol.address, E("3"));
      await expectBalanced(staking, token);
    });

    it("is for DEFAULT_ADMIN_ROLE only and refuses the zero address", async function () {
      const { staking, other } = await loadFixture(stakingFixture);
      await expect(staking.connect(other).skim(other.address))
        .to.be.revertedWithCustomError(staking, "AccessControlUnauthorizedAccount")
        .withArgs(other.address, await staking.DEFAULT_ADMIN_ROLE());
      await expect(staking.skim(ethers.ZeroAddress)).to.be.revertedWithCustomError(staking, "StakingZeroAddress");
    });
  });

  it("a whole life cycle leaves the contract empty", async function () {
    const { staking, token, rewarder, hotkeyA, ownerA, alice, bob } = await loadFixture(delegatedFixture);
    await staking.connect(rewarder).distribute(hotkeyA.address, E("3"), E("33"));
    for (const who of [alice, bob]) {
      const shares = await staking.sharesOf(hotkeyA.address, who.address);
      const [pooled, total] = await staking.poolOf(hotkeyA.address);
      const expected = toAssets(shares, pooled, total);
      await expect(staking.connect(who).undelegate(hotkeyA.address, shares, expected)).to.emit(staking, "Undelegated");
    }
    await mine(1_000);
    await staking.connect(alice).withdraw(1);
    await staking.connect(bob).withdraw(1);
    await staking.connect(ownerA).claim();
    const [dust] = await staking.totals();
    expect(dust).to.be.lt(3n); // what the virtual shares own stays in the pool
    expect(await token.balanceOf(await staking.getAddress())).to.equal(dust);
    await expectBalanced(staking, token);
  });
});
