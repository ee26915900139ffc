import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress } from "ethers";
import { Billing__factory } from "@noosphere/contracts";
import { PARAMS_ROLE, DEFAULT_ADMIN_ROLE, MINTER_ROLE } from "@noosphere/deploy";
import { billingFixture, THAW, REVOKE_DELAY } from "./fixture";

describe("Billing: parameters", function () {
  describe("deployment", function () {
    it("starts with the documented defaults and roles", async function () {
      const { billing, admin, treasury, token, models, billingAddress } = await loadFixture(billingFixture);
      expect(await billing.mintRatio()).to.equal(975n * 10n ** 15n);
      expect(await billing.treasuryBps()).to.equal(1_000n);
      expect(await billing.treasury()).to.equal(treasury.address);
      expect(await billing.thawPeriod()).to.equal(THAW);
      expect(await billing.signerRevokeDelay()).to.equal(REVOKE_DELAY);
      expect(await billing.token()).to.equal(await token.getAddress());
      expect(await billing.models()).to.equal(await models.getAddress());
      expect(await billing.hasRole(PARAMS_ROLE, admin.address)).to.equal(true);
      expect(await billing.hasRole(DEFAULT_ADMIN_ROLE, admin.address)).to.equal(true);
      expect(await token.hasRole(MINTER_ROLE, billingAddress)).to.equal(true);
      expect(await models.royaltyCache()).to.equal(billingAddress);
      expect(await billing.rate()).to.deep.equal([0n, 0n]);
      expect(await billing.PARAMS_ROLE()).to.equal(PARAMS_ROLE);
    });

    it("refuses a zero admin, token or treasury and over-long delays", async function () {
      const { admin, token, treasury } = await loadFixture(billingFixture);
      const factory = new Billing__factory(admin);
      const t = await token.getAddress();
      await expect(factory.deploy(t, ZeroAddress, treasury.address, ZeroAddress, 1, 1)).to.be.revertedWithCustomError(
        factory,
        "BillingZeroAddress",
      );
      await expect(
        factory.deploy(ZeroAddress, ZeroAddress, treasury.address, admin.address, 1, 1),
      ).to.be.revertedWithCustomError(factory, "BillingZeroAddress");
      await expect(factory.deploy(t, ZeroAddress, ZeroAddress, admin.address, 1, 1)).to.be.revertedWithCustomError(
        factory,
        "BillingZeroAddress",
      );
      const tooLong = 30n * 86_400n + 1n;
      await expect(factory.deploy(t, ZeroAddress, treasury.address, admin.address, tooLong, 1))
        .to.be.revertedWithCustomError(factory, "BillingDelayTooLong")
        .withArgs(tooLong, 30n * 86_400n);
      await expect(factory.deploy(t, ZeroAddress, treasury.address, admin.address, 1, tooLong))
        .to.be.revertedWithCustomError(factory, "BillingDelayTooLong")
        .withArgs(tooLong, 30n * 86_400n);
    });
  });

  describe("prices and limits", function () {
    it("setPrice stores the USD price and emits PriceSet", async function () {
      const { billing } = await loadFixture(billingFixture);
      await expect(billing.setPrice(1, 0, 750))
        .to.emit(billing, "PriceSet")
        .withArgs(1, 0, 750);
      await expect(billing.setPrice(1, 1, 100))
        .to.emit(billing, "PriceSet")
        .withArgs(1, 1, 100);
      expect(await billing.tierPrice(1, 0)).to.deep.equal([750n, 200n, 1000n]);
      expect(await billing.tierPrice(1, 1)).to.deep.equal([100n, 200n, 1000n]);
      expect(await billing.tierPrice(2, 0)).to.deep.equal([0n, 200n, 1000n]);
    });

    it("setLimits stores the per-call token limits and emits LimitsSet", async function () {
      const { billing } = await loadFixture(billingFixture);
      await billing.setPrice(1, 0, 750);
      await expect(billing.setLimits(1, 0, 512, 2048))
        .to.emit(billing, "LimitsSet")
        .withArgs(1, 0, 512, 2048);
      expect(await billing.tierPrice(1, 0)).to.deep.equal([750n, 512n, 2048n]);
      await expect(billing.setLimits(1, 0, 0, 10)).to.be.revertedWithCustomError(billing, "BillingZeroLimit");
      await expect(billing.setLimits(1, 0, 10, 0)).to.be.revertedWithCustomError(billing, "BillingZeroLimit");
    });

    it("refuses unknown tiers everywhere a tier is taken", async function () {
      const { billing } = await loadFixture(billingFixture);
      await expect(billing.setPrice(1, 2, 1))
        .to.be.revertedWithCustomError(billing, "BillingUnknownTier")
        .withArgs(2);
      await expect(billing.setLimits(1, 2, 1, 1))
        .to.be.revertedWithCustomError(billing, "BillingUnknownTier")
        .withArgs(2);
      await expect(billing.tierPrice(1, 2)).to.be.revertedWithCustomError(billing, "BillingUnknownTier").withArgs(2);
      await expect(billing.priceInNoos(1, 7)).to.be.revertedWithCustomError(billing, "BillingUnknownTier").withArgs(7);
    });

    it("setRate records the rate and when it was set", async function () {
      const { billing } = await loadFixture(billingFixture);
      const tx = await billing.setRate(250_000);
      const ts = BigInt((await ethers.provider.getBlock((await tx.wait())!.blockNumber))!.timestamp);
      await expect(tx).to.emit(billing, "RateSet").withArgs(250_000, ts);
      expect(await billing.rate()).to.deep.equal([250_000n, ts]);
      await expect(billing.setRate(0)).to.be.revertedWithCustomError(billing, "BillingZeroRate");
    });

    it("priceInNoos = USD price / rate, in 1e18 units", async function () {
      const { billing } = await loadFixture(billingFixture);
      await billing.setPrice(1, 0, 750); // $0.00075
      await expect(billing.priceInNoos(1, 0)).to.be.revertedWithCustomError(billing, "BillingRateNotSet");
      await billing.setRate(250_000); // $0.25 per NOOS
      expect(await billing.priceInNoos(1, 0)).to.equal(3n * 10n ** 15n); // 0.003 NOOS
      await billing.setRate(3_000_000); // $3: rounds down
      expect(await billing.priceInNoos(1, 0)).to.equal((750n * 10n ** 18n) / 3_000_000n);
      await expect(billing.priceInNoos(1, 1))
        .to.be.revertedWithCustomError(billing, "BillingPriceNotSet")
        .withArgs(1, 1);
    });
  });

  describe("economics and delays", function () {
    it("setMintRatio accepts up to 100% and emits MintRatioSet", async function () {
      const { billing } = await loadFixture(billingFixture);
      await expect(billing.setMintRatio(10n ** 18n))
        .to.emit(billing, "MintRatioSet")
        .withArgs(10n ** 18n);
      expect(await billing.mintRatio()).to.equal(10n ** 18n);
      await expect(billing.setMintRatio(10n ** 18n + 1n))
        .to.be.revertedWithCustomError(billing, "BillingMintRatioTooHigh")
        .withArgs(10n ** 18n + 1n, 10n ** 18n);
    });

    it("setTreasuryShare accepts up to 50% and emits TreasuryShareSet", async function () {
      const { billing } = await loadFixture(billingFixture);
      await expect(billing.setTreasuryShare(5_000)).to.emit(billing, "TreasuryShareSet").withArgs(5_000);
      expect(await billing.treasuryBps()).to.equal(5_000n);
      await expect(billing.setTreasuryShare(5_001))
        .to.be.revertedWithCustomError(billing, "BillingTreasuryShareTooHigh")
        .withArgs(5_001, 5_000);
    });

    it("setTreasury refuses the zero address and emits TreasurySet", async function () {
      const { billing, stranger } = await loadFixture(billingFixture);
      await expect(billing.setTreasury(stranger.address)).to.emit(billing, "TreasurySet").withArgs(stranger.address);
      expect(await billing.treasury()).to.equal(stranger.address);
      await expect(billing.setTreasury(ZeroAddress)).to.be.revertedWithCustomError(billing, "BillingZeroAddress");
    });

    it("setThawPeriod and setSignerRevokeDelay are bounded by 30 days", async function () {
      const { billing } = await loadFixture(billingFixture);
      const max = 30n * 86_400n;
      await expect(billing.setThawPeriod(max)).to.emit(billing, "ThawPeriodSet").withArgs(max);
      await expect(billing.setSignerRevokeDelay(0)).to.emit(billing, "SignerRevokeDelaySet").withArgs(0);
      expect(await billing.thawPeriod()).to.equal(max);
      expect(await billing.signerRevokeDelay()).to.equal(0n);
      await expect(billing.setThawPeriod(max + 1n))
        .to.be.revertedWithCustomError(billing, "BillingDelayTooLong")
        .withArgs(max + 1n, max);
      await expect(billing.setSignerRevokeDelay(max + 1n))
        .to.be.revertedWithCustomError(billing, "BillingDelayTooLong")
        .withArgs(max + 1n, max);
    });
  });

  describe("access", function () {
    it("every setter needs PARAMS_ROLE", async function () {
      const { billing, stranger } = await loadFixture(billingFixture);
      const b = billing.connect(stranger);
      const calls = [
        () => b.setPrice(1, 0, 1),
        () => b.setLimits(1, 0, 1, 1),
        () => b.setRate(1),
        () => b.setMintRatio(1),
        () => b.setTreasuryShare(1),
        () => b.setTreasury(stranger.address),
        () => b.setThawPeriod(1),
        () => b.setSignerRevokeDelay(1),
      ];
      for (const call of calls) {
        await expect(call())
          .to.be.revertedWithCustomError(billing, "AccessControlUnauthorizedAccount")
          .withArgs(stranger.address, PARAMS_ROLE);
      }
    });

    it("a new PARAMS_ROLE holder (the timelock) can set parameters once granted", async function () {
      const { billing, admin, stranger } = await loadFixture(billingFixture);
      await billing.connect(admin).grantRole(PARAMS_ROLE, stranger.address);
      await time.increase(1);
      await expect(billing.connect(stranger).setPrice(3, 1, 42))
        .to.emit(billing, "PriceSet")
        .withArgs(3, 1, 42);
    });
  });
});
