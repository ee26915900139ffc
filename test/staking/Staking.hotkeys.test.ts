import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import { MAX_TAKE, RAISE_INTERVAL, TAKE_DELAY, stakingFixture } from "./fixtures";

describe("Staking: hotkeys and take", function () {
  describe("registerHotkey", function () {
    it("registers the caller as a hotkey of the given owner with the maximum take", async function () {
      const { staking, other, carol } = await loadFixture(stakingFixture);
      await expect(staking.connect(other).registerHotkey(carol.address))
        .to.emit(staking, "HotkeyRegistered")
        .withArgs(other.address, carol.address, MAX_TAKE);
      expect(await staking.ownerOf(other.address)).to.equal(carol.address);
      expect(await staking.takeOf(other.address)).to.equal(MAX_TAKE);
    });

    it("lets a hotkey own itself", async function () {
      const { staking, other } = await loadFixture(stakingFixture);
      await staking.connect(other).registerHotkey(other.address);
      expect(await staking.ownerOf(other.address)).to.equal(other.address);
    });

    it("reverts for the zero owner", async function () {
      const { staking, other } = await loadFixture(stakingFixture);
      await expect(staking.connect(other).registerHotkey(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        staking,
        "StakingZeroAddress",
      );
    });

    it("cannot be registered twice, not even by the hotkey itself", async function () {
      const { staking, hotkeyA, ownerA, other } = await loadFixture(stakingFixture);
      await expect(staking.connect(hotkeyA).registerHotkey(other.address))
        .to.be.revertedWithCustomError(staking, "StakingHotkeyAlreadyRegistered")
        .withArgs(hotkeyA.address, ownerA.address);
      expect(await staking.ownerOf(hotkeyA.address)).to.equal(ownerA.address);
    });

    it("is only ever about the caller: others cannot register or claim someone else's hotkey", async function () {
      const { staking, other } = await loadFixture(stakingFixture);
      const hotkey = ethers.Wallet.createRandom().address;
      await staking.connect(other).registerHotkey(other.address);
      expect(await staking.ownerOf(hotkey)).to.equal(ethers.ZeroAddress);
      expect(await staking.takeOf(hotkey)).to.equal(0n);
    });
  });

  describe("decreaseTake", function () {
    it("lowers the take at once", async function () {
      const { staking, hotkeyA, ownerA } = await loadFixture(stakingFixture);
      await expect(staking.connect(ownerA).decreaseTake(hotkeyA.address, 500))
        .to.emit(staking, "TakeDecreased")
        .withArgs(hotkeyA.address, MAX_TAKE, 500);
      expect(await staking.takeOf(hotkeyA.address)).to.equal(500n);
      await staking.connect(ownerA).decreaseTake(hotkeyA.address, 0);
      expect(await staking.takeOf(hotkeyA.address)).to.equal(0n);
    });

    it("reverts above the current take", async function () {
      const { staking, hotkeyA, ownerA } = await loadFixture(stakingFixture);
      await staking.connect(ownerA).decreaseTake(hotkeyA.address, 500);
      await expect(staking.connect(ownerA).decreaseTake(hotkeyA.address, 501))
        .to.be.revertedWithCustomError(staking, "StakingTakeAboveCurrent")
        .withArgs(501, 500);
    });

    it("is for the owner only, not the hotkey or anyone else", async function () {
      const { staking, hotkeyA, other } = await loadFixture(stakingFixture);
      for (const caller of [hotkeyA, other]) {
        await expect(staking.connect(caller).decreaseTake(hotkeyA.address, 0))
          .to.be.revertedWithCustomError(staking, "StakingNotHotkeyOwner")
          .withArgs(hotkeyA.address, caller.address);
      }
    });

    it("reverts for an unknown hotkey", async function () {
      const { staking, other } = await loadFixture(stakingFixture);
      const hotkey = ethers.Wallet.createRandom().address;
      await expect(staking.connect(other).decreaseTake(hotkey, 0))
        .to.be.revertedWithCustomError(staking, "StakingUnknownHotkey")
        .withArgs(hotkey);
    });

    it("cancels a pending raise (equal take: cancel only)", async function () {
      const { staking, hotkeyA, ownerA } = await loadFixture(stakingFixture);
      await staking.connect(ownerA).decreaseTake(hotkeyA.address, 500);
      await staking.connect(ownerA).increaseTake(hotkeyA.address, 1_000);
      await expect(staking.connect(ownerA).decreaseTake(hotkeyA.address, 500))
        .to.emit(staking, "TakeDecreased")
        .withArgs(hotkeyA.address, 500, 500);
      expect(await staking.pendingTakeOf(hotkeyA.address)).to.deep.equal([0n, 0n]);
      await mine(TAKE_DELAY + 1n);
      expect(await staking.takeOf(hotkeyA.address)).to.equal(500n);
    });

    it("after a raise has applied, lowers from the raised take", async function () {
      const { staking, hotkeyA, ownerA } = await loadFixture(stakingFixture);
      await staking.connect(ownerA).decreaseTake(hotkeyA.address, 500);
      await staking.connect(ownerA).increaseTake(hotkeyA.address, 1_000);
      await mine(TAKE_DELAY);
      await expect(staking.connect(ownerA).decreaseTake(hotkeyA.address, 900))
        .to.emit(staking, "TakeDecreased")
        .withArgs(hotkeyA.address, 1_000, 900);
      expect(await staking.takeOf(hotkeyA.address)).to.equal(900n);
    });
  });

  describe("increaseTake", function () {
    async function loweredFixture() {
      const f = await stakingFixture();
      await f.staking.connect(f.ownerA).decreaseTake(f.hotkeyA.address, 500);
      return f;
    }

    it("schedules the raise takeDelayBlocks ahead; takeOf switches exactly then", async function () {
      const { staking, hotkeyA, ownerA } = await loadFixture(loweredFixture);
      const tx = await staking.connect(ownerA).increaseTake(hotkeyA.address, 1_200);
      const at = BigInt((await tx.wait())!.blockNumber);
      await expect(tx)
        .to.emit(staking, "TakeIncreaseScheduled")
        .withArgs(hotkeyA.address, 500, 1_200, at + TAKE_DELAY);
      expect(await staking.takeOf(hotkeyA.address)).to.equal(500n);
      expect(await staking.pendingTakeOf(hotkeyA.address)).to.deep.equal([1_200n, at + TAKE_DELAY]);
      await mine(TAKE_DELAY - 2n); // at + TAKE_DELAY - 2 (views run at the latest block)
      expect(await staking.takeOf(hotkeyA.address)).to.equal(500n);
      await mine(1); // at + TAKE_DELAY - 1
      expect(await staking.takeOf(hotkeyA.address)).to.equal(500n);
      await mine(1); // at + TAKE_DELAY
      expect(await staking.takeOf(hotkeyA.address)).to.equal(1_200n);
      expect(await staking.pendingTakeOf(hotkeyA.address)).to.deep.equal([0n, 0n]);
    });

    it("may go up to MAX_TAKE and no further", async function () {
      const { staking, hotkeyA, ownerA } = await loadFixture(loweredFixture);
      await expect(staking.connect(ownerA).increaseTake(hotkeyA.address, MAX_TAKE + 1n))
        .to.be.revertedWithCustomError(staking, "StakingTakeTooHigh")
        .withArgs(MAX_TAKE + 1n, MAX_TAKE);
      await staking.connect(ownerA).increaseTake(hotkeyA.address, MAX_TAKE);
      await mine(TAKE_DELAY);
      expect(await staking.takeOf(hotkeyA.address)).to.equal(MAX_TAKE);
    });

    it("reverts when not above the current take", async function () {
      const { staking, hotkeyA, ownerA } = await loadFixture(loweredFixture);
      for (const take of [500, 100]) {
        await expect(staking.connect(ownerA).increaseTake(hotkeyA.address, take))
          .to.be.revertedWithCustomError(staking, "StakingTakeNotHigher")
          .withArgs(take, 500);
      }
    });

    it("is rate-limited to one raise per takeRaiseInterval blocks", async function () {
      const { staking, hotkeyA, ownerA } = await loadFixture(loweredFixture);
      const tx = await staking.connect(ownerA).increaseTake(hotkeyA.address, 600);
      const at = BigInt((await tx.wait())!.blockNumber);
      expect(await staking.nextTakeRaiseBlock(hotkeyA.address)).to.equal(at + RAISE_INTERVAL);
      await mine(TAKE_DELAY);
      await expect(staking.connect(ownerA).increaseTake(hotkeyA.address, 700))
        .to.be.revertedWithCustomError(staking, "StakingTakeRaiseTooSoon")
        .withArgs(hotkeyA.address, at + RAISE_INTERVAL);
      // a decrease does not reset the limit
      await staking.connect(ownerA).decreaseTake(hotkeyA.address, 100);
      await expect(staking.connect(ownerA).increaseTake(hotkeyA.address, 700)).to.be.revertedWithCustomError(
        staking,
        "StakingTakeRaiseTooSoon",
      );
      const now = BigInt(await ethers.provider.getBlockNumber());
      await mine(at + RAISE_INTERVAL - now - 1n); // the next transaction lands on at + RAISE_INTERVAL
      await expect(staking.connect(ownerA).increaseTake(hotkeyA.address, 700)).to.emit(
        staking,
        "TakeIncreaseScheduled",
      );
    });

    it("a new raise replaces one still pending", async function () {
      const { staking, hotkeyA, ownerA } = await loadFixture(loweredFixture);
      await staking.setTakeRaiseInterval(1);
      await staking.connect(ownerA).increaseTake(hotkeyA.address, 600);
      const tx = await staking.connect(ownerA).increaseTake(hotkeyA.address, 800);
      const at = BigInt((await tx.wait())!.blockNumber);
      await expect(tx)
        .to.emit(staking, "TakeIncreaseScheduled")
        .withArgs(hotkeyA.address, 500, 800, at + TAKE_DELAY);
      await mine(TAKE_DELAY);
      expect(await staking.takeOf(hotkeyA.address)).to.equal(800n);
    });

    it("starts from a raise already applied", async function () {
      const { staking, hotkeyA, ownerA } = await loadFixture(loweredFixture);
      await staking.setTakeRaiseInterval(1);
      await staking.connect(ownerA).increaseTake(hotkeyA.address, 600);
      await mine(TAKE_DELAY);
      await expect(staking.connect(ownerA).increaseTake(hotkeyA.address, 600))
        .to.be.revertedWithCustomError(staking, "StakingTakeNotHigher")
        .withArgs(600, 600);
      await expect(staking.connect(ownerA).increaseTake(hotkeyA.address, 700)).to.emit(
        staking,
        "TakeIncreaseScheduled",
      );
      expect(await staking.takeOf(hotkeyA.address)).to.equal(600n);
    });

    it("is for the owner only", async function () {
      const { staking, hotkeyA, other } = await loadFixture(loweredFixture);
      await expect(staking.connect(other).increaseTake(hotkeyA.address, 600))
        .to.be.revertedWithCustomError(staking, "StakingNotHotkeyOwner")
        .withArgs(hotkeyA.address, other.address);
      const unknown = ethers.Wallet.createRandom().address;
      await expect(staking.connect(other).increaseTake(unknown, 600))
        .to.be.revertedWithCustomError(staking, "StakingUnknownHotkey")
        .withArgs(unknown);
    });

    it("nextTakeRaiseBlock is 0 before any raise", async function () {
      const { staking, hotkeyA } = await loadFixture(stakingFixture);
      expect(await staking.nextTakeRaiseBlock(hotkeyA.address)).to.equal(0n);
    });
  });
});
