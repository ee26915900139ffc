import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { BillingTestModels__factory } from "@noosphere/contracts";
import { deployBilling } from "@noosphere/deploy";
import { voucherDomain, voucherTypes } from "@noosphere/protocol";
import {
  billingFixture,
  expectedSplit,
  weekOf,
  MODEL,
  MODEL_ROYALTY_BPS,
  NOOS,
  NO_MODEL,
  UNREGISTERED_MODEL,
} from "./fixture";

describe("Billing: royalties on redemption", function () {
  it("no model or an unregistered model: the royalty share goes to the miner", async function () {
    const { billing, client, miner, voucher, sign } = await loadFixture(billingFixture);
    for (const [netuid, model] of [
      [1, NO_MODEL],
      [2, UNREGISTERED_MODEL],
    ] as const) {
      const v = voucher({ netuid, model, cumulativeAmount: 2n * NOOS });
      const tx = await billing.connect(miner).redeem(v, await sign(v));
      const s = expectedSplit(2n * NOOS, 0n);
      await expect(tx)
        .to.emit(billing, "Redeemed")
        .withArgs(
          client.address,
          miner.address,
          netuid,
          0,
          model,
          2n * NOOS,
          s.miner,
          0n,
          s.treasury,
          await weekOf(tx),
        );
      await expect(tx).not.to.emit(billing, "ModelSynced");
    }
    expect(await billing.royaltyInfo(UNREGISTERED_MODEL)).to.deep.equal([ethers.ZeroAddress, 0n, 0n]);
  });

  it("a model registered later is picked up by the next redemption naming it", async function () {
    const { billing, models, miner, stranger, voucher, sign } = await loadFixture(billingFixture);
    const v1 = voucher({ model: UNREGISTERED_MODEL, cumulativeAmount: NOOS });
    await billing.connect(miner).redeem(v1, await sign(v1));
    await models.connect(stranger).register(UNREGISTERED_MODEL, "ipfs://late", "MIT", 500);
    const v2 = voucher({ model: UNREGISTERED_MODEL, cumulativeAmount: 2n * NOOS });
    await expect(billing.connect(miner).redeem(v2, await sign(v2)))
      .to.emit(billing, "ModelSynced")
      .withArgs(UNREGISTERED_MODEL, stranger.address, 500);
    expect((await billing.royaltyInfo(UNREGISTERED_MODEL))[2]).to.equal(expectedSplit(NOOS, 500n).royalty);
  });

  it("the registry's royalty and owner changes reach billing at once", async function () {
    const { billing, models, miner, modelOwner, stranger, voucher, sign } = await loadFixture(billingFixture);
    const v1 = voucher({ cumulativeAmount: NOOS });
    await billing.connect(miner).redeem(v1, await sign(v1));
    const r1 = expectedSplit(NOOS, MODEL_ROYALTY_BPS).royalty;
    await expect(models.connect(modelOwner).setRoyalty(MODEL, 1_500))
      .to.emit(billing, "ModelSynced")
      .withArgs(MODEL, modelOwner.address, 1_500);
    expect(await billing.royaltyInfo(MODEL)).to.deep.equal([modelOwner.address, 1_500n, r1]);
    // Handing the model on: what it earned so far stays with the old owner.
    await expect(models.connect(modelOwner).transferModelOwnership(MODEL, stranger.address))
      .to.emit(billing, "ModelSynced")
      .withArgs(MODEL, stranger.address, 1_500);
    expect(await billing.royaltyInfo(MODEL)).to.deep.equal([stranger.address, 1_500n, 0n]);
    expect(await billing.creditOf(modelOwner.address)).to.equal(r1);
    const v2 = voucher({ cumulativeAmount: 2n * NOOS });
    await billing.connect(miner).redeem(v2, await sign(v2));
    expect((await billing.royaltyInfo(MODEL))[2]).to.equal(expectedSplit(NOOS, 1_500n).royalty);
  });

  it("a lower governance cap reaches billing when anyone syncs the model", async function () {
    const { billing, models, miner, modelOwner, stranger, voucher, sign } = await loadFixture(billingFixture);
    const v1 = voucher({ cumulativeAmount: NOOS });
    await billing.connect(miner).redeem(v1, await sign(v1));
    await models.setMaxRoyaltyBps(300);
    expect((await billing.royaltyInfo(MODEL))[1]).to.equal(MODEL_ROYALTY_BPS);
    await expect(billing.connect(stranger).syncModel(MODEL))
      .to.emit(billing, "ModelSynced")
      .withArgs(MODEL, modelOwner.address, 300);
    const v2 = voucher({ cumulativeAmount: 2n * NOOS });
    const tx = await billing.connect(miner).redeem(v2, await sign(v2));
    const s = expectedSplit(NOOS, 300n);
    await expect(tx)
      .to.emit(billing, "Redeemed")
      .withArgs(v2.client, miner.address, 1, 0, MODEL, NOOS, s.miner, s.royalty, s.treasury, await weekOf(tx));
  });

  it("the royalty never eats into the treasury's share (capped at 10,000 - treasuryBps)", async function () {
    const { admin, token, treasury, client, miner, modelOwner } = await loadFixture(billingFixture);
    const fakeModels = await new BillingTestModels__factory(admin).deploy();
    await fakeModels.set(MODEL, modelOwner.address, 9_500);
    const billing = await deployBilling(admin, {
      token: await token.getAddress(),
      models: await fakeModels.getAddress(),
      treasury: treasury.address,
      hookModels: false,
    });
    await token.connect(client).approve(await billing.getAddress(), ethers.MaxUint256);
    await billing.connect(client).deposit(10n * NOOS);
    await billing.connect(client).allot(client.address, miner.address, 10n * NOOS);
    const domain = voucherDomain((await ethers.provider.getNetwork()).chainId, await billing.getAddress());
    const v = {
      client: client.address,
      miner: miner.address,
      netuid: 1,
      tier: 0,
      model: MODEL,
      cumulativeAmount: NOOS,
    };
    const tx = await billing.connect(miner).redeem(v, await client.signTypedData(domain, voucherTypes, v));
    const s = expectedSplit(NOOS, 9_500n);
    expect(s.royalty).to.equal((s.minted * 9_000n) / 10_000n);
    await expect(tx)
      .to.emit(billing, "Redeemed")
      .withArgs(client.address, miner.address, 1, 0, MODEL, NOOS, s.miner, s.royalty, s.treasury, await weekOf(tx));
  });

  it("royalties above 2^80 spill into the owner's credit", async function () {
    const { billing, models, token, admin, client2, miner, modelOwner, voucher, sign } =
      await loadFixture(billingFixture);
    await models.setMaxRoyaltyBps(5_000);
    await models.connect(modelOwner).setRoyalty(MODEL, 5_000);
    await token.connect(admin).mint(client2.address, 4_000_000n * NOOS);
    await billing.connect(client2).deposit(4_000_000n * NOOS);
    await billing.connect(client2).allot(client2.address, miner.address, 4_000_000n * NOOS);
    const v1 = voucher({ client: client2.address, cumulativeAmount: 2_000_000n * NOOS });
    await billing.connect(miner).redeem(v1, await sign(v1, client2));
    const r = expectedSplit(2_000_000n * NOOS, 5_000n).royalty; // ~975k NOOS < 2^80 wei (1.2M NOOS)
    expect(await billing.royaltyInfo(MODEL)).to.deep.equal([modelOwner.address, 5_000n, r]);
    const v2 = voucher({ client: client2.address, cumulativeAmount: 4_000_000n * NOOS });
    await billing.connect(miner).redeem(v2, await sign(v2, client2));
    expect((await billing.royaltyInfo(MODEL))[2]).to.equal(0n);
    expect(await billing.creditOf(modelOwner.address)).to.equal(2n * r);
  });
});
