import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress } from "ethers";
import { BillingHarness__factory, BillingTestDriftToken__factory } from "@noosphere/contracts";
import { deployBilling, MINTER_ROLE } from "@noosphere/deploy";
import { deployNoos } from "../shared/noos";
import { voucherDomain, voucherTypes } from "@noosphere/protocol";
import { billingFixture, expectedSplit, MODEL, MODEL_ROYALTY_BPS, NOOS } from "./fixture";

/** The fixture with 10 NOOS redeemed by `miner` (model MODEL). */
async function redeemedFixture() {
  const f = await billingFixture();
  const v = f.voucher({ cumulativeAmount: 10n * NOOS });
  await f.billing.connect(f.miner).redeem(v, await f.sign(v));
  return { ...f, split: expectedSplit(10n * NOOS, MODEL_ROYALTY_BPS) };
}

describe("Billing: settlement and claims", function () {
  it("settle burns what was redeemed, exactly once", async function () {
    const { billing, token, billingAddress } = await loadFixture(redeemedFixture);
    const supply = await token.totalSupply();
    await expect(billing.settle())
      .to.emit(billing, "Settled")
      .withArgs(10n * NOOS, 10n * NOOS);
    expect(await token.totalSupply()).to.equal(supply - 10n * NOOS);
    expect(await token.balanceOf(billingAddress)).to.equal(190n * NOOS);
    expect((await billing.pending())[0]).to.equal(0n);
    expect(await billing.totals()).to.deep.equal([10n * NOOS, 0n]);
    await expect(billing.settle()).not.to.emit(billing, "Settled");
    expect(await billing.settle.staticCall()).to.equal(0n);
  });

  it("claimEarnings settles, then mints the miner's share to any address", async function () {
    const { billing, token, client, miner, stranger, split } = await loadFixture(redeemedFixture);
    const supply = await token.totalSupply();
    const keys = [{ client: client.address, netuid: 1, tier: 0 }];
    const tx = await billing.connect(miner).claimEarnings(keys, stranger.address);
    await expect(tx)
      .to.emit(billing, "Settled")
      .withArgs(10n * NOOS, 10n * NOOS);
    await expect(tx).to.emit(billing, "Claimed").withArgs(miner.address, stranger.address, split.miner);
    await expect(tx).to.changeTokenBalance(token, stranger, split.miner);
    expect(await token.totalSupply()).to.equal(supply - 10n * NOOS + split.miner);
    expect(await billing.unclaimed(client.address, miner.address, 1, 0)).to.equal(0n);
    await expect(billing.connect(miner).claimEarnings(keys, miner.address))
      .to.be.revertedWithCustomError(billing, "BillingNothingToClaim")
      .withArgs(miner.address);
    await expect(billing.connect(miner).claimEarnings([], miner.address))
      .to.be.revertedWithCustomError(billing, "BillingNothingToClaim")
      .withArgs(miner.address);
  });

  it("claimEarnings sums several keys; another miner's keys give it nothing", async function () {
    const { billing, token, client, miner, miner2, voucher, sign, split } = await loadFixture(redeemedFixture);
    const v = voucher({ netuid: 2, tier: 1, cumulativeAmount: 4n * NOOS });
    await billing.connect(miner).redeem(v, await sign(v));
    const keys = [
      { client: client.address, netuid: 1, tier: 0 },
      { client: client.address, netuid: 2, tier: 1 },
    ];
    await expect(billing.connect(miner2).claimEarnings(keys, miner2.address)).to.be.revertedWithCustomError(
      billing,
      "BillingNothingToClaim",
    );
    const total = split.miner + expectedSplit(4n * NOOS, MODEL_ROYALTY_BPS).miner;
    await expect(billing.connect(miner).claimEarnings(keys, miner.address)).to.changeTokenBalance(token, miner, total);
  });

  it("claimRoyalties mints the owner's accrued royalty; others may not claim it", async function () {
    const { billing, token, modelOwner, stranger, split } = await loadFixture(redeemedFixture);
    await expect(billing.connect(stranger).claimRoyalties([MODEL], stranger.address))
      .to.be.revertedWithCustomError(billing, "BillingNotModelOwner")
      .withArgs(MODEL, stranger.address, modelOwner.address);
    const tx = await billing.connect(modelOwner).claimRoyalties([MODEL], modelOwner.address);
    await expect(tx).to.emit(billing, "Claimed").withArgs(modelOwner.address, modelOwner.address, split.royalty);
    await expect(tx).to.changeTokenBalance(token, modelOwner, split.royalty);
    expect((await billing.royaltyInfo(MODEL))[2]).to.equal(0n);
    await expect(billing.connect(modelOwner).claimRoyalties([MODEL], modelOwner.address))
      .to.be.revertedWithCustomError(billing, "BillingNothingToClaim")
      .withArgs(modelOwner.address);
  });

  it("a previous owner claims what it earned with an empty model list", async function () {
    const { billing, models, token, modelOwner, stranger, split } = await loadFixture(redeemedFixture);
    await models.connect(modelOwner).transferModelOwnership(MODEL, stranger.address);
    await expect(billing.connect(modelOwner).claimRoyalties([], modelOwner.address)).to.changeTokenBalance(
      token,
      modelOwner,
      split.royalty,
    );
    expect(await billing.creditOf(modelOwner.address)).to.equal(0n);
  });

  it("a frozen model's royalty waits; a governance reassignment hands what it accrued to the new owner", async function () {
    const { billing, models, token, modelOwner, stranger, split } = await loadFixture(redeemedFixture);
    await models.setContestTerms(0, 86_400); // the model, registered moments ago, is in its challenge period again
    await expect(billing.connect(modelOwner).claimRoyalties([MODEL], modelOwner.address))
      .to.be.revertedWithCustomError(billing, "BillingRoyaltyFrozen")
      .withArgs(MODEL);
    await expect(billing.connect(stranger).reassignModel(MODEL))
      .to.be.revertedWithCustomError(billing, "BillingNotModelRegistry")
      .withArgs(stranger.address);
    await expect(models.reassign(MODEL, stranger.address, 500))
      .to.emit(billing, "ModelSynced")
      .withArgs(MODEL, stranger.address, 500);
    expect(await billing.royaltyInfo(MODEL)).to.deep.equal([stranger.address, 500n, split.royalty]);
    expect(await billing.creditOf(modelOwner.address)).to.equal(0n);
    await models.setContestTerms(0, 0);
    await expect(billing.connect(stranger).claimRoyalties([MODEL], stranger.address)).to.changeTokenBalance(
      token,
      stranger,
      split.royalty,
    );
  });

  it("claimTreasury mints the treasury's share to the treasury, whoever calls", async function () {
    const { billing, token, treasury, stranger, split } = await loadFixture(redeemedFixture);
    const tx = await billing.connect(stranger).claimTreasury();
    await expect(tx).to.emit(billing, "Claimed").withArgs(treasury.address, treasury.address, split.treasury);
    await expect(tx).to.changeTokenBalance(token, treasury, split.treasury);
    expect(await billing.pending()).to.deep.equal([0n, 0n]);
    await expect(billing.claimTreasury())
      .to.be.revertedWithCustomError(billing, "BillingNothingToClaim")
      .withArgs(treasury.address);
  });

  it("redeemAndClaim redeems, burns and mints the miner's share in one transaction", async function () {
    const { billing, token, client, miner, voucher, sign, split } = await loadFixture(redeemedFixture);
    const v = voucher({ cumulativeAmount: 12n * NOOS });
    const s2 = expectedSplit(2n * NOOS, MODEL_ROYALTY_BPS);
    const supply = await token.totalSupply();
    const tx = await billing.connect(miner).redeemAndClaim(v, await sign(v));
    await expect(tx).to.emit(billing, "Redeemed");
    await expect(tx)
      .to.emit(billing, "Settled")
      .withArgs(12n * NOOS, 12n * NOOS);
    await expect(tx).to.changeTokenBalance(token, miner, split.miner + s2.miner);
    expect(await token.totalSupply()).to.equal(supply - 12n * NOOS + split.miner + s2.miner);
    expect(await billing.unclaimed(client.address, miner.address, 1, 0)).to.equal(0n);
  });

  it("redeemAndClaim with a zero mint ratio has nothing to claim", async function () {
    const { billing, miner, voucher, sign } = await loadFixture(redeemedFixture);
    await billing.connect(miner).claimEarnings([{ client: voucher().client, netuid: 1, tier: 0 }], miner.address);
    await billing.setMintRatio(0);
    const v = voucher({ cumulativeAmount: 11n * NOOS });
    await expect(billing.connect(miner).redeemAndClaim(v, await sign(v)))
      .to.be.revertedWithCustomError(billing, "BillingNothingToClaim")
      .withArgs(miner.address);
    // A plain redeem still burns, and credits nobody.
    const tx = await billing.connect(miner).redeem(v, await sign(v));
    await expect(tx).to.emit(billing, "Redeemed");
    expect(await billing.unclaimed(v.client, miner.address, 1, 0)).to.equal(0n);
  });

  it("payouts refuse the zero address and billing itself", async function () {
    const { billing, client, miner, billingAddress } = await loadFixture(redeemedFixture);
    const keys = [{ client: client.address, netuid: 1, tier: 0 }];
    for (const to of [ZeroAddress, billingAddress]) {
      await expect(billing.connect(miner).claimEarnings(keys, to))
        .to.be.revertedWithCustomError(billing, "BillingInvalidRecipient")
        .withArgs(to);
    }
  });

  it("minted never exceeds burned, after every payout", async function () {
    const { billing, client, miner, modelOwner } = await loadFixture(redeemedFixture);
    await billing.connect(miner).claimEarnings([{ client: client.address, netuid: 1, tier: 0 }], miner.address);
    await billing.connect(modelOwner).claimRoyalties([MODEL], modelOwner.address);
    await billing.claimTreasury();
    const [burned, minted] = await billing.totals();
    expect(burned).to.equal(10n * NOOS);
    expect(minted).to.equal(expectedSplit(10n * NOOS, MODEL_ROYALTY_BPS).minted);
    expect(minted <= burned).to.equal(true);
  });

  it("payouts fail cleanly if billing lost MINTER_ROLE; the credit stays", async function () {
    const { billing, token, client, miner, billingAddress, split } = await loadFixture(redeemedFixture);
    await token.revokeRole(MINTER_ROLE, billingAddress);
    const keys = [{ client: client.address, netuid: 1, tier: 0 }];
    await expect(billing.connect(miner).claimEarnings(keys, miner.address)).to.be.revertedWithCustomError(
      token,
      "AccessControlUnauthorizedAccount",
    );
    expect(await billing.unclaimed(client.address, miner.address, 1, 0)).to.equal(split.miner);
  });

  it("a settlement that moves billing's balance by anything but the burn reverts (no drift)", async function () {
    const [admin, client, miner, treasury] = await ethers.getSigners();
    const token = await new BillingTestDriftToken__factory(admin!).deploy(admin!.address);
    // The faulty token has no roles (anyone mints), so there is no MINTER_ROLE to grant.
    const billing = await deployBilling(admin!, {
      token: await token.getAddress(),
      treasury: treasury!.address,
      grantMinter: false,
    });
    const billingAddress = await billing.getAddress();
    await token.mint(client!.address, 100n * NOOS);
    await token.connect(client!).approve(billingAddress, ethers.MaxUint256);
    await billing.connect(client!).deposit(10n * NOOS);
    await billing.connect(client!).allot(client!.address, miner!.address, 10n * NOOS);
    const domain = voucherDomain((await ethers.provider.getNetwork()).chainId, billingAddress);
    const v = {
      client: client!.address,
      miner: miner!.address,
      netuid: 1,
      tier: 0,
      model: ethers.ZeroHash,
      cumulativeAmount: NOOS,
    };
    await billing.connect(miner!).redeem(v, await client!.signTypedData(domain, voucherTypes, v));
    await token.setDrift(true);
    await expect(billing.settle())
      .to.be.revertedWithCustomError(billing, "BillingAccountingDrift")
      .withArgs(9n * NOOS, 9n * NOOS - 1n);
    await token.setDrift(false);
    await expect(billing.settle()).to.emit(billing, "Settled").withArgs(NOOS, NOOS);
  });

  it("the mint guard refuses to mint beyond what billing burned", async function () {
    const [admin, treasury, stranger] = await ethers.getSigners();
    const token = await deployNoos(admin!);
    const harness = await new BillingHarness__factory(admin!).deploy(
      await token.getAddress(),
      ZeroAddress,
      treasury!.address,
      admin!.address,
    );
    await token.grantRole(MINTER_ROLE, await harness.getAddress());
    await expect(harness.exposedMint(stranger!.address, 1))
      .to.be.revertedWithCustomError(harness, "BillingMintExceedsBurn")
      .withArgs(1, 0);
  });
});
