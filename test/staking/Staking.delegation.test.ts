import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import { IERC20Errors__factory } from "@noosphere/contracts";
import {
  COOLDOWN,
  MIN_DELEGATION,
  VIRTUAL_SHARES,
  expectBalanced,
  stakingFixture,
  toAssets,
  toShares,
} from "./fixtures";

const E = (n: string) => ethers.parseEther(n);

describe("Staking: delegation, undelegation, withdrawal", function () {
  describe("delegate", function () {
    it("first delegation mints amount x 1e6 shares and pulls the tokens", async function () {
      const { staking, token, hotkeyA, alice } = await loadFixture(stakingFixture);
      const amount = E("100");
      const shares = amount * VIRTUAL_SHARES;
      expect(await staking.previewDelegate(hotkeyA.address, amount)).to.equal(shares);
      await expect(staking.connect(alice).delegate(hotkeyA.address, amount, shares))
        .to.emit(staking, "Delegated")
        .withArgs(hotkeyA.address, alice.address, amount, shares);
      expect(await token.balanceOf(await staking.getAddress())).to.equal(amount);
      expect(await staking.sharesOf(hotkeyA.address, alice.address)).to.equal(shares);
      expect(await staking.delegationValueOf(hotkeyA.address, alice.address)).to.equal(amount);
      expect(await staking.stakeOf(hotkeyA.address)).to.equal(amount);
      expect(await staking.poolOf(hotkeyA.address)).to.deep.equal([amount, shares]);
      expect(await staking.totalPooled()).to.equal(amount);
      await expectBalanced(staking, token);
    });

    it("stakesOf reads many hotkeys' stakes at once (0 for an unknown hotkey)", async function () {
      const { staking, hotkeyA, hotkeyB, alice, bob } = await loadFixture(stakingFixture);
      await (await staking.connect(alice).delegate(hotkeyA.address, E("100"), 0)).wait();
      await (await staking.connect(bob).delegate(hotkeyB.address, E("7"), 0)).wait();
      expect(await staking.stakesOf([hotkeyB.address, alice.address, hotkeyA.address])).to.deep.equal([
        E("7"),
        0n,
        E("100"),
      ]);
      expect(await staking.stakesOf([])).to.deep.equal([]);
    });

    it("later delegations mint pro rata to the pool's value", async function () {
      const { staking, token, rewarder, hotkeyA, ownerA, alice, bob } = await loadFixture(stakingFixture);
      await staking.connect(ownerA).decreaseTake(hotkeyA.address, 0);
      await staking.connect(alice).delegate(hotkeyA.address, E("100"), 0);
      await staking.connect(rewarder).distribute(hotkeyA.address, 0, E("50"));
      const [pooled, shares] = await staking.poolOf(hotkeyA.address);
      expect(pooled).to.equal(E("150"));
      const expected = toShares(E("30"), pooled, shares);
      await expect(staking.connect(bob).delegate(hotkeyA.address, E("30"), expected))
        .to.emit(staking, "Delegated")
        .withArgs(hotkeyA.address, bob.address, E("30"), expected);
      // 30 tokens buy a fifth of alice's 150-token position (up to rounding, in the pool's favour)
      expect(expected).to.be.closeTo(shares / 5n, 10n ** 6n);
      expect(await staking.delegationValueOf(hotkeyA.address, bob.address)).to.be.closeTo(E("30"), 1n);
      expect(await staking.delegationValueOf(hotkeyA.address, bob.address)).to.be.lte(E("30"));
      await expectBalanced(staking, token);
    });

    it("the hotkey's owner delegates by the same path", async function () {
      const { staking, hotkeyA, ownerA } = await loadFixture(stakingFixture);
      await expect(staking.connect(ownerA).delegate(hotkeyA.address, E("1"), 0))
        .to.emit(staking, "Delegated")
        .withArgs(hotkeyA.address, ownerA.address, E("1"), E("1") * VIRTUAL_SHARES);
    });

    it("adds to an existing position", async function () {
      const { staking, hotkeyA, alice } = await loadFixture(stakingFixture);
      await staking.connect(alice).delegate(hotkeyA.address, E("1"), 0);
      await staking.connect(alice).delegate(hotkeyA.address, E("2"), 0);
      expect(await staking.delegationValueOf(hotkeyA.address, alice.address)).to.equal(E("3"));
    });

    it("reverts for an unknown hotkey", async function () {
      const { staking, alice } = await loadFixture(stakingFixture);
      const hotkey = ethers.Wallet.createRandom().address;
      await expect(staking.connect(alice).delegate(hotkey, E("1"), 0))
        .to.be.revertedWithCustomError(staking, "StakingUnknownHotkey")
        .withArgs(hotkey);
    });

    it("reverts for zero and below the minimum delegation", async function () {
      const { staking, hotkeyA, alice } = await loadFixture(stakingFixture);
      await expect(staking.connect(alice).delegate(hotkeyA.address, 0, 0)).to.be.revertedWithCustomError(
        staking,
        "StakingZeroAmount",
      );
      await expect(staking.connect(alice).delegate(hotkeyA.address, MIN_DELEGATION - 1n, 0))
        .to.be.revertedWithCustomError(staking, "StakingBelowMinDelegation")
        .withArgs(MIN_DELEGATION - 1n, MIN_DELEGATION);
      await expect(staking.connect(alice).delegate(hotkeyA.address, MIN_DELEGATION, 0)).to.emit(staking, "Delegated");
    });

    it("reverts when fewer than minSharesOut shares would be minted", async function () {
      const { staking, hotkeyA, alice } = await loadFixture(stakingFixture);
      const shares = E("1") * VIRTUAL_SHARES;
      await expect(staking.connect(alice).delegate(hotkeyA.address, E("1"), shares + 1n))
        .to.be.revertedWithCustomError(staking, "StakingSlippage")
        .withArgs(shares, shares + 1n);
    });

    it("reverts when the amount buys no share at all", async function () {
      const { staking, rewarder, hotkeyA, ownerA, alice, bob } = await loadFixture(stakingFixture);
      await staking.setMinDelegation(0);
      await staking.connect(ownerA).decreaseTake(hotkeyA.address, 0);
      await staking.connect(alice).delegate(hotkeyA.address, 1, 0);
      await staking.connect(rewarder).distribute(hotkeyA.address, 0, E("1000")); // a share is now worth ~1e9 wei
      await expect(staking.connect(bob).delegate(hotkeyA.address, 1, 0))
        .to.be.revertedWithCustomError(staking, "StakingZeroShares")
        .withArgs(1);
    });

    it("reverts without allowance (ERC-20 error)", async function () {
      const { staking, token, hotkeyA, alice } = await loadFixture(stakingFixture);
      await token.connect(alice).approve(await staking.getAddress(), 0);
      await expect(staking.connect(alice).delegate(hotkeyA.address, E("1"), 0)).to.be.revertedWithCustomError(
        IERC20Errors__factory.connect(await token.getAddress(), alice),
        "ERC20InsufficientAllowance",
      );
    });
  });

  describe("share-inflation (first depositor / donation) attack", function () {
    // Worst case: the attacker may even "donate" into the pool (it holds REWARDER_ROLE and the take is 0).
    async function attackFixture() {
      const f = await stakingFixture();
      await f.staking.grantRole(await f.staking.REWARDER_ROLE(), f.carol.address);
      await f.staking.connect(f.ownerA).decreaseTake(f.hotkeyA.address, 0);
      return { ...f, attacker: f.carol, victim: f.bob };
    }

    it("the minimum delegation stops a 1-wei first deposit", async function () {
      const { staking, hotkeyA, attacker } = await loadFixture(attackFixture);
      await expect(staking.connect(attacker).delegate(hotkeyA.address, 1, 0))
        .to.be.revertedWithCustomError(staking, "StakingBelowMinDelegation")
        .withArgs(1, MIN_DELEGATION);
    });

    it("the attacker cannot shrink its position to dust by a partial undelegation", async function () {
      const { staking, hotkeyA, attacker } = await loadFixture(attackFixture);
      await staking.connect(attacker).delegate(hotkeyA.address, MIN_DELEGATION, 0);
      const shares = await staking.sharesOf(hotkeyA.address, attacker.address);
      await expect(staking.connect(attacker).undelegate(hotkeyA.address, shares - 1n, 0))
        .to.be.revertedWithCustomError(staking, "StakingBelowMinDelegation")
        .withArgs(0, MIN_DELEGATION);
    });

    it("minSharesOut protects a victim who is front-run by a donation", async function () {
      const { staking, hotkeyA, attacker, victim } = await loadFixture(attackFixture);
      await staking.connect(attacker).delegate(hotkeyA.address, MIN_DELEGATION, 0);
      const deposit = E("1000");
      const quoted = await staking.previewDelegate(hotkeyA.address, deposit);
      await staking.connect(attacker).distribute(hotkeyA.address, 0, E("10000")); // front-run
      const got = await staking.previewDelegate(hotkeyA.address, deposit);
      await expect(staking.connect(victim).delegate(hotkeyA.address, deposit, quoted))
        .to.be.revertedWithCustomError(staking, "StakingSlippage")
        .withArgs(got, quoted);
    });

    it("with the minimum at 0 and no slippage guard, the virtual offset still makes the attack a loss", async function () {
      const { staking, token, hotkeyA, attacker, victim } = await loadFixture(attackFixture);
      await staking.setMinDelegation(0);
      const attackerStart = await token.balanceOf(attacker.address);
      const donation = E("10000");
      const deposit = E("10000");
      await staking.connect(attacker).delegate(hotkeyA.address, 1, 0);
      await staking.connect(attacker).distribute(hotkeyA.address, 0, donation);
      await staking.connect(victim).delegate(hotkeyA.address, deposit, 0);
      const victimLoss = deposit - (await staking.delegationValueOf(hotkeyA.address, victim.address));
      // the victim keeps all but a sliver: a share is worth ~0.005 token, so rounding costs < 0.01 token
      expect(victimLoss).to.be.lt(E("0.01"));
      // the attacker exits: it recovers far less than it put in (the virtual shares keep most of the donation)
      const shares = await staking.sharesOf(hotkeyA.address, attacker.address);
      await staking.connect(attacker).undelegate(hotkeyA.address, shares, 0);
      await mine(COOLDOWN);
      await staking.connect(attacker).withdraw(1);
      const attackerEnd = await token.balanceOf(attacker.address);
      // its 1e6 shares matched the 1e6 virtual ones, so half the donation stayed with them
      const attackerLoss = attackerStart - attackerEnd;
      expect(attackerLoss).to.be.gt((donation * 49n) / 100n);
      expect(attackerLoss).to.be.gt(victimLoss * 100_000n);
      await expectBalanced(staking, token);
    });
  });

  describe("undelegate", function () {
    async function delegatedFixture() {
      const f = await stakingFixture();
      await f.staking.connect(f.alice).delegate(f.hotkeyA.address, E("100"), 0);
      return f;
    }

    it("burns shares into a thaw request ready after the cooldown", async function () {
      const { staking, token, hotkeyA, alice } = await loadFixture(delegatedFixture);
      const shares = (await staking.sharesOf(hotkeyA.address, alice.address)) / 4n;
      const amount = await staking.previewUndelegate(hotkeyA.address, shares);
      expect(amount).to.equal(E("25"));
      const [amountOut, requestId] = await staking
        .connect(alice)
        .undelegate.staticCall(hotkeyA.address, shares, amount);
      expect([amountOut, requestId]).to.deep.equal([amount, 0n]);
      const tx = await staking.connect(alice).undelegate(hotkeyA.address, shares, amount);
      const at = BigInt((await tx.wait())!.blockNumber);
      await expect(tx)
        .to.emit(staking, "Undelegated")
        .withArgs(hotkeyA.address, alice.address, shares, amount, 0, at + COOLDOWN);
      await expect(tx).to.changeTokenBalances(token, [alice, staking], [0, 0]);
      expect(await staking.stakeOf(hotkeyA.address)).to.equal(E("75"));
      expect(await staking.delegationValueOf(hotkeyA.address, alice.address)).to.equal(E("75"));
      expect(await staking.totals()).to.deep.equal([E("75"), 0n, E("25")]);
      expect(await staking.totalThawing()).to.equal(E("25"));
      expect(await staking.thawQueueOf(alice.address)).to.deep.equal([0n, 1n]);
      const requests = await staking.thawRequestsOf(alice.address, 0, 10);
      expect(requests.map((r) => [r.amount, r.readyBlock])).to.deep.equal([[amount, at + COOLDOWN]]);
      await expectBalanced(staking, token);
    });

    it("a full exit is always allowed", async function () {
      const { staking, token, hotkeyA, alice } = await loadFixture(delegatedFixture);
      const shares = await staking.sharesOf(hotkeyA.address, alice.address);
      await expect(staking.connect(alice).undelegate(hotkeyA.address, shares, E("100")))
        .to.emit(staking, "Undelegated")
        .withArgs(hotkeyA.address, alice.address, shares, E("100"), 0, anyBlock());
      expect(await staking.sharesOf(hotkeyA.address, alice.address)).to.equal(0n);
      expect(await staking.poolOf(hotkeyA.address)).to.deep.equal([0n, 0n]);
      await expectBalanced(staking, token);
    });

    it("reverts for zero shares and for more shares than held", async function () {
      const { staking, hotkeyA, alice, bob } = await loadFixture(delegatedFixture);
      await expect(staking.connect(alice).undelegate(hotkeyA.address, 0, 0)).to.be.revertedWithCustomError(
        staking,
        "StakingZeroAmount",
      );
      const held = await staking.sharesOf(hotkeyA.address, alice.address);
      await expect(staking.connect(alice).undelegate(hotkeyA.address, held + 1n, 0))
        .to.be.revertedWithCustomError(staking, "StakingInsufficientShares")
        .withArgs(held, held + 1n);
      await expect(staking.connect(bob).undelegate(hotkeyA.address, 1, 0))
        .to.be.revertedWithCustomError(staking, "StakingInsufficientShares")
        .withArgs(0, 1);
    });

    it("reverts when the shares are worth nothing", async function () {
      const { staking, hotkeyA, alice } = await loadFixture(delegatedFixture);
      expect(await staking.previewUndelegate(hotkeyA.address, 1)).to.equal(0n);
      await expect(staking.connect(alice).undelegate(hotkeyA.address, 1, 0)).to.be.revertedWithCustomError(
        staking,
        "StakingZeroAmount",
      );
    });

    it("reverts below minAmountOut", async function () {
      const { staking, hotkeyA, alice } = await loadFixture(delegatedFixture);
      const shares = await staking.sharesOf(hotkeyA.address, alice.address);
      await expect(staking.connect(alice).undelegate(hotkeyA.address, shares, E("100") + 1n))
        .to.be.revertedWithCustomError(staking, "StakingSlippage")
        .withArgs(E("100"), E("100") + 1n);
    });

    it("a partial undelegation must leave at least minDelegation", async function () {
      const { staking, hotkeyA, alice } = await loadFixture(delegatedFixture);
      const shares = await staking.sharesOf(hotkeyA.address, alice.address);
      const keep = toShares(MIN_DELEGATION, E("100"), shares) - 1n;
      const left = toAssets(keep, E("100") - toAssets(shares - keep, E("100"), shares), keep);
      await expect(staking.connect(alice).undelegate(hotkeyA.address, shares - keep, 0))
        .to.be.revertedWithCustomError(staking, "StakingBelowMinDelegation")
        .withArgs(left, MIN_DELEGATION);
      await expect(staking.connect(alice).undelegate(hotkeyA.address, shares - keep - 1n, 0)).to.emit(
        staking,
        "Undelegated",
      );
      expect(await staking.delegationValueOf(hotkeyA.address, alice.address)).to.equal(MIN_DELEGATION);
    });

    it("numbers requests per account in order", async function () {
      const { staking, hotkeyA, hotkeyB, alice } = await loadFixture(delegatedFixture);
      await staking.connect(alice).delegate(hotkeyB.address, E("10"), 0);
      const a = await staking.sharesOf(hotkeyA.address, alice.address);
      const b = await staking.sharesOf(hotkeyB.address, alice.address);
      await expect(staking.connect(alice).undelegate(hotkeyA.address, a / 2n, 0))
        .to.emit(staking, "Undelegated")
        .withArgs(hotkeyA.address, alice.address, a / 2n, E("50"), 0, anyBlock());
      await expect(staking.connect(alice).undelegate(hotkeyB.address, b, 0))
        .to.emit(staking, "Undelegated")
        .withArgs(hotkeyB.address, alice.address, b, E("10"), 1, anyBlock());
      expect(await staking.thawQueueOf(alice.address)).to.deep.equal([0n, 2n]);
    });
  });

  describe("withdraw", function () {
    // alice has three requests of 10, 20 and 30 made one block apart
    async function thawingFixture() {
      const f = await stakingFixture();
      const { staking, hotkeyA, alice } = f;
      await staking.connect(alice).delegate(hotkeyA.address, E("100"), 0);
      const perToken = VIRTUAL_SHARES; // the pool is still at its first price: 1e6 shares per wei
      const blocks: bigint[] = [];
      for (const n of ["10", "20", "30"]) {
        const tx = await staking.connect(alice).undelegate(hotkeyA.address, E(n) * perToken, 0);
        blocks.push(BigInt((await tx.wait())!.blockNumber));
      }
      return { ...f, blocks };
    }

    it("reverts while nothing is ready", async function () {
      const { staking, alice, bob } = await loadFixture(thawingFixture);
      for (const who of [alice, bob]) {
        await expect(staking.connect(who).withdraw(10))
          .to.be.revertedWithCustomError(staking, "StakingNothingToWithdraw")
          .withArgs(who.address);
      }
      expect(await staking.withdrawable(alice.address, 10)).to.deep.equal([0n, 0n]);
    });

    it("pays a ready request exactly at its ready block", async function () {
      const { staking, token, alice, blocks } = await loadFixture(thawingFixture);
      const now = BigInt(await ethers.provider.getBlockNumber());
      await mine(blocks[0]! + COOLDOWN - now - 2n);
      await expect(staking.connect(alice).withdraw(10)).to.be.revertedWithCustomError(
        staking,
        "StakingNothingToWithdraw",
      ); // mined at ready - 1
      await expect(staking.connect(alice).withdraw(10)) // mined at ready
        .to.emit(staking, "Withdrawn")
        .withArgs(alice.address, E("10"), 1);
      expect(await staking.thawQueueOf(alice.address)).to.deep.equal([1n, 3n]);
      expect(await staking.totalThawing()).to.equal(E("50"));
      await expectBalanced(staking, token);
    });

    it("processes at most maxRequests, oldest first", async function () {
      const { staking, token, alice } = await loadFixture(thawingFixture);
      await mine(COOLDOWN);
      expect(await staking.withdrawable(alice.address, 2)).to.deep.equal([E("30"), 2n]);
      expect(await staking.withdrawable(alice.address, 10)).to.deep.equal([E("60"), 3n]);
      await expect(staking.connect(alice).withdraw(2))
        .to.emit(staking, "Withdrawn")
        .withArgs(alice.address, E("30"), 2);
      const rest = await staking.thawRequestsOf(alice.address, 0, 10);
      expect(rest.map((r) => r.amount)).to.deep.equal([E("30")]);
      await expect(staking.connect(alice).withdraw(2))
        .to.emit(staking, "Withdrawn")
        .withArgs(alice.address, E("30"), 1);
      await expect(staking.connect(alice).withdraw(2)).to.be.revertedWithCustomError(
        staking,
        "StakingNothingToWithdraw",
      );
      expect(await staking.totalThawing()).to.equal(0n);
      await expectBalanced(staking, token);
    });

    it("withdraw(0) processes nothing", async function () {
      const { staking, alice } = await loadFixture(thawingFixture);
      await mine(COOLDOWN);
      await expect(staking.connect(alice).withdraw(0)).to.be.revertedWithCustomError(
        staking,
        "StakingNothingToWithdraw",
      );
    });

    it("stops at the first request not ready (strict FIFO, even after the cooldown is lowered)", async function () {
      const { staking, hotkeyA, alice } = await loadFixture(thawingFixture);
      await mine(COOLDOWN);
      await staking.setUnstakeCooldownBlocks(0);
      await staking.setUnstakeCooldownBlocks(COOLDOWN * 2n);
      await staking.connect(alice).undelegate(hotkeyA.address, E("1") * VIRTUAL_SHARES, 0); // ready much later
      await staking.setUnstakeCooldownBlocks(1);
      await staking.connect(alice).undelegate(hotkeyA.address, E("2") * VIRTUAL_SHARES, 0); // ready next block
      await mine(1);
      await expect(staking.connect(alice).withdraw(10))
        .to.emit(staking, "Withdrawn")
        .withArgs(alice.address, E("60"), 3);
      await expect(staking.connect(alice).withdraw(10)).to.be.revertedWithCustomError(
        staking,
        "StakingNothingToWithdraw",
      );
      await mine(COOLDOWN * 2n);
      await expect(staking.connect(alice).withdraw(10))
        .to.emit(staking, "Withdrawn")
        .withArgs(alice.address, E("3"), 2);
    });

    it("a withdrawal of 10 requests fits easily in one transaction", async function () {
      const { staking, hotkeyA, alice } = await loadFixture(thawingFixture);
      for (let i = 0; i < 7; i++) await staking.connect(alice).undelegate(hotkeyA.address, E("1") * VIRTUAL_SHARES, 0);
      await mine(COOLDOWN);
      const receipt = await (await staking.connect(alice).withdraw(10)).wait();
      expect(receipt!.gasUsed).to.be.lt(200_000n);
      expect(await staking.thawQueueOf(alice.address)).to.deep.equal([10n, 10n]);
    });
  });

  describe("thaw views", function () {
    it("thawRequestsOf pages through the pending requests", async function () {
      const { staking, hotkeyA, alice } = await loadFixture(stakingFixture);
      await staking.connect(alice).delegate(hotkeyA.address, E("100"), 0);
      for (const n of ["1", "2", "3", "4"]) {
        await staking.connect(alice).undelegate(hotkeyA.address, E(n) * VIRTUAL_SHARES, 0);
      }
      await mine(COOLDOWN);
      await staking.connect(alice).withdraw(1);
      const amounts = async (offset: number, limit: number) =>
        (await staking.thawRequestsOf(alice.address, offset, limit)).map((r) => r.amount);
      expect(await amounts(0, 10)).to.deep.equal([E("2"), E("3"), E("4")]);
      expect(await amounts(1, 1)).to.deep.equal([E("3")]);
      expect(await amounts(2, 5)).to.deep.equal([E("4")]);
      expect(await amounts(3, 5)).to.deep.equal([]);
      expect(await amounts(0, 0)).to.deep.equal([]);
    });
  });
});

/** Matches any block number (for events whose ready block is checked elsewhere). */
function anyBlock() {
  return (value: bigint) => value > 0n;
}
