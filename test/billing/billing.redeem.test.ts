import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { TypedDataEncoder } from "ethers";
import { deployBilling } from "@noosphere/deploy";
import { voucherDomain, voucherTypes, recoverVoucherSigner } from "@noosphere/protocol";
import { billingFixture, expectedSplit, weekOf, MODEL, MODEL_ROYALTY_BPS, NOOS } from "./fixture";

describe("Billing: vouchers", function () {
  it("hashVoucher and domainSeparator match EIP-712 as ethers computes it", async function () {
    const { billing, domain, voucher } = await loadFixture(billingFixture);
    const v = voucher({ cumulativeAmount: 123n });
    expect(await billing.hashVoucher(v)).to.equal(TypedDataEncoder.hash(domain, voucherTypes, v));
    expect(await billing.domainSeparator()).to.equal(TypedDataEncoder.hashDomain(domain));
    const [, name, version, chainId, verifyingContract] = await billing.eip712Domain();
    expect([name, version, chainId, verifyingContract]).to.deep.equal([
      "NoosphereBilling",
      "1",
      domain.chainId,
      domain.verifyingContract,
    ]);
    expect(await billing.VOUCHER_TYPEHASH()).to.equal(
      ethers.id(
        "Voucher(address client,address miner,uint16 netuid,uint8 tier,bytes32 model,uint256 cumulativeAmount)",
      ),
    );
  });

  it("recoverVoucherSigner finds the signer, as the TS helper does", async function () {
    const { billing, domain, voucher, sign, gateway } = await loadFixture(billingFixture);
    const v = voucher();
    const sig = await sign(v, gateway);
    expect(await billing.recoverVoucherSigner(v, sig)).to.equal(gateway.address);
    expect(recoverVoucherSigner(domain, v, sig)).to.equal(gateway.address);
  });

  it("malformed signatures are refused with BillingInvalidSignature", async function () {
    const { billing, miner, voucher, sign } = await loadFixture(billingFixture);
    const v = voucher();
    const sig = await sign(v);
    const short = sig.slice(0, 130); // 64 bytes
    const highS = ethers.concat([sig.slice(0, 66), ethers.toBeHex(ethers.MaxUint256, 32), "0x1b"]);
    for (const bad of [short, highS, "0x"]) {
      await expect(billing.recoverVoucherSigner(v, bad)).to.be.revertedWithCustomError(
        billing,
        "BillingInvalidSignature",
      );
      await expect(billing.connect(miner).redeem(v, bad)).to.be.revertedWithCustomError(
        billing,
        "BillingInvalidSignature",
      );
    }
  });
});

describe("Billing: redeem", function () {
  it("burns the new amount from escrow, credits the split and emits Redeemed", async function () {
    const { billing, client, miner, modelOwner, voucher, sign } = await loadFixture(billingFixture);
    const v = voucher({ cumulativeAmount: 2n * NOOS });
    const tx = await billing.connect(miner).redeem(v, await sign(v));
    const s = expectedSplit(2n * NOOS, MODEL_ROYALTY_BPS);
    await expect(tx)
      .to.emit(billing, "Redeemed")
      .withArgs(
        client.address,
        miner.address,
        1,
        0,
        MODEL,
        2n * NOOS,
        s.miner,
        s.royalty,
        s.treasury,
        await weekOf(tx),
      );
    await expect(tx).to.emit(billing, "ModelSynced").withArgs(MODEL, modelOwner.address, MODEL_ROYALTY_BPS);
    expect(await billing.allotmentOf(client.address, miner.address)).to.deep.equal([98n * NOOS, 0n, 0n]);
    expect((await billing.escrowOf(client.address))[0]).to.equal(100n * NOOS);
    expect(await billing.redeemed(client.address, miner.address, 1, 0)).to.equal(2n * NOOS);
    expect(await billing.unclaimed(client.address, miner.address, 1, 0)).to.equal(s.miner);
    expect(await billing.royaltyInfo(MODEL)).to.deep.equal([modelOwner.address, MODEL_ROYALTY_BPS, s.royalty]);
    expect(await billing.pending()).to.deep.equal([2n * NOOS, s.treasury]);
    expect(s.miner + s.royalty + s.treasury).to.equal(s.minted);
  });

  it("a later voucher pays only the difference, and the shares accumulate", async function () {
    const { billing, client, miner, voucher, sign } = await loadFixture(billingFixture);
    const v1 = voucher({ cumulativeAmount: 3n * NOOS });
    await billing.connect(miner).redeem(v1, await sign(v1));
    const v2 = voucher({ cumulativeAmount: 5n * NOOS });
    const tx = await billing.connect(miner).redeem(v2, await sign(v2));
    const s1 = expectedSplit(3n * NOOS, MODEL_ROYALTY_BPS);
    const s2 = expectedSplit(2n * NOOS, MODEL_ROYALTY_BPS);
    await expect(tx)
      .to.emit(billing, "Redeemed")
      .withArgs(
        client.address,
        miner.address,
        1,
        0,
        MODEL,
        2n * NOOS,
        s2.miner,
        s2.royalty,
        s2.treasury,
        await weekOf(tx),
      );
    expect(await billing.unclaimed(client.address, miner.address, 1, 0)).to.equal(s1.miner + s2.miner);
    expect(await billing.pending()).to.deep.equal([5n * NOOS, s1.treasury + s2.treasury]);
  });

  it("(client, miner, netuid, tier) each have their own progress", async function () {
    const { billing, client, miner, voucher, sign } = await loadFixture(billingFixture);
    for (const [netuid, tier] of [
      [1, 0],
      [1, 1],
      [2, 0],
    ] as const) {
      const v = voucher({ netuid, tier, cumulativeAmount: NOOS });
      await expect(billing.connect(miner).redeem(v, await sign(v))).to.emit(billing, "Redeemed");
    }
    expect(await billing.redeemed(client.address, miner.address, 1, 1)).to.equal(NOOS);
    expect(await billing.redeemed(client.address, miner.address, 2, 0)).to.equal(NOOS);
    expect((await billing.allotmentOf(client.address, miner.address))[0]).to.equal(97n * NOOS);
  });

  it("reverts unless the caller is the voucher's miner", async function () {
    const { billing, miner, miner2, voucher, sign } = await loadFixture(billingFixture);
    const v = voucher();
    await expect(billing.connect(miner2).redeem(v, await sign(v)))
      .to.be.revertedWithCustomError(billing, "BillingNotMiner")
      .withArgs(miner2.address, miner.address);
  });

  it("reverts on a voucher not higher than what was redeemed", async function () {
    const { billing, miner, voucher, sign } = await loadFixture(billingFixture);
    const v = voucher({ cumulativeAmount: 5n * NOOS });
    const sig = await sign(v);
    await billing.connect(miner).redeem(v, sig);
    await expect(billing.connect(miner).redeem(v, sig))
      .to.be.revertedWithCustomError(billing, "BillingVoucherNotNewer")
      .withArgs(5n * NOOS, 5n * NOOS);
    const older = voucher({ cumulativeAmount: 4n * NOOS });
    await expect(billing.connect(miner).redeem(older, await sign(older)))
      .to.be.revertedWithCustomError(billing, "BillingVoucherNotNewer")
      .withArgs(4n * NOOS, 5n * NOOS);
    const fresh = voucher({ netuid: 9, cumulativeAmount: 0n });
    await expect(billing.connect(miner).redeem(fresh, await sign(fresh)))
      .to.be.revertedWithCustomError(billing, "BillingVoucherNotNewer")
      .withArgs(0n, 0n);
  });

  it("reverts on an unknown tier and on an absurd cumulative amount", async function () {
    const { billing, miner, voucher, sign } = await loadFixture(billingFixture);
    const v = voucher({ tier: 2 });
    await expect(billing.connect(miner).redeem(v, await sign(v)))
      .to.be.revertedWithCustomError(billing, "BillingUnknownTier")
      .withArgs(2);
    const huge = voucher({ cumulativeAmount: 2n ** 128n });
    await expect(billing.connect(miner).redeem(huge, await sign(huge)))
      .to.be.revertedWithCustomError(billing, "BillingVoucherTooLarge")
      .withArgs(2n ** 128n);
  });

  it("reverts on a signature from anyone but the client or its signers", async function () {
    const { billing, client, miner, stranger, voucher, sign } = await loadFixture(billingFixture);
    const v = voucher();
    await expect(billing.connect(miner).redeem(v, await sign(v, stranger)))
      .to.be.revertedWithCustomError(billing, "BillingInvalidSigner")
      .withArgs(client.address, stranger.address);
  });

  it("an empty allotment reverts and the miner keeps its voucher for after a top-up", async function () {
    const { billing, client2, miner, voucher, sign } = await loadFixture(billingFixture);
    const v = voucher({ client: client2.address, cumulativeAmount: 3n * NOOS });
    const sig = await sign(v, client2);
    await billing.connect(client2).deposit(10n * NOOS); // free balance is not the miner's to take
    await expect(billing.connect(miner).redeem(v, sig))
      .to.be.revertedWithCustomError(billing, "BillingAllotmentEmpty")
      .withArgs(client2.address, miner.address);
    await billing.connect(client2).allot(client2.address, miner.address, 10n * NOOS);
    await expect(billing.connect(miner).redeem(v, sig)).to.emit(billing, "Redeemed");
  });

  it("redeemUpTo takes what the miner names, and the voucher's rest stays redeemable", async function () {
    const { billing, client, miner, voucher, sign } = await loadFixture(billingFixture);
    const v = voucher({ cumulativeAmount: 5n * NOOS });
    const sig = await sign(v);
    await expect(billing.connect(miner).redeemUpTo(v, sig, 6n * NOOS))
      .to.be.revertedWithCustomError(billing, "BillingRedeemAboveVoucher")
      .withArgs(6n * NOOS, 5n * NOOS);
    const tx = await billing.connect(miner).redeemUpTo(v, sig, 3n * NOOS);
    const s = expectedSplit(3n * NOOS, MODEL_ROYALTY_BPS);
    await expect(tx)
      .to.emit(billing, "Redeemed")
      .withArgs(
        client.address,
        miner.address,
        1,
        0,
        MODEL,
        3n * NOOS,
        s.miner,
        s.royalty,
        s.treasury,
        await weekOf(tx),
      );
    expect(await billing.redeemed(client.address, miner.address, 1, 0)).to.equal(3n * NOOS);
    expect((await billing.allotmentOf(client.address, miner.address))[0]).to.equal(97n * NOOS);
    await expect(billing.connect(miner).redeemUpTo(v, sig, 3n * NOOS))
      .to.be.revertedWithCustomError(billing, "BillingVoucherNotNewer")
      .withArgs(3n * NOOS, 3n * NOOS);
    await billing.connect(miner).redeem(v, sig);
    expect(await billing.redeemed(client.address, miner.address, 1, 0)).to.equal(5n * NOOS);
  });

  it("pays at most the allotment: the rest of the voucher is lost to the miner", async function () {
    const { billing, client, miner, voucher, sign } = await loadFixture(billingFixture);
    const v = voucher({ cumulativeAmount: 150n * NOOS });
    const tx = await billing.connect(miner).redeem(v, await sign(v));
    const s = expectedSplit(100n * NOOS, MODEL_ROYALTY_BPS);
    await expect(tx)
      .to.emit(billing, "Redeemed")
      .withArgs(
        client.address,
        miner.address,
        1,
        0,
        MODEL,
        100n * NOOS,
        s.miner,
        s.royalty,
        s.treasury,
        await weekOf(tx),
      );
    expect((await billing.allotmentOf(client.address, miner.address))[0]).to.equal(0n);
    expect((await billing.escrowOf(client.address))[0]).to.equal(100n * NOOS);
    expect(await billing.redeemed(client.address, miner.address, 1, 0)).to.equal(150n * NOOS);
    // A top-up does not revive the uncovered 50: only vouchers above 150 pay again.
    await billing.connect(client).allot(client.address, miner.address, 100n * NOOS);
    const v2 = voucher({ cumulativeAmount: 151n * NOOS });
    const tx2 = await billing.connect(miner).redeem(v2, await sign(v2));
    const s2 = expectedSplit(NOOS, MODEL_ROYALTY_BPS);
    await expect(tx2)
      .to.emit(billing, "Redeemed")
      .withArgs(client.address, miner.address, 1, 0, MODEL, NOOS, s2.miner, s2.royalty, s2.treasury, await weekOf(tx2));
  });

  describe("replay", function () {
    it("a voucher is worthless on another chain", async function () {
      const { billing, client, miner, voucher, billingAddress } = await loadFixture(billingFixture);
      const v = voucher();
      const sig = await client.signTypedData(voucherDomain(1, billingAddress), voucherTypes, v);
      await expect(billing.connect(miner).redeem(v, sig))
        .to.be.revertedWithCustomError(billing, "BillingInvalidSigner")
        .withArgs(client.address, recoverVoucherSigner(voucherDomain(31337, billingAddress), v, sig));
    });

    it("a voucher is worthless on another Billing contract", async function () {
      const { admin, token, models, treasury, client, miner, voucher, sign } = await loadFixture(billingFixture);
      const other = await deployBilling(admin, {
        token: await token.getAddress(),
        models: await models.getAddress(),
        treasury: treasury.address,
        hookModels: false,
      });
      await token.connect(client).approve(await other.getAddress(), ethers.MaxUint256);
      await other.connect(client).deposit(10n * NOOS);
      await other.connect(client).allot(client.address, miner.address, 10n * NOOS);
      const v = voucher();
      await expect(other.connect(miner).redeem(v, await sign(v))).to.be.revertedWithCustomError(
        other,
        "BillingInvalidSigner",
      );
    });

    it("a voucher is worthless to another miner, even with its own address written in", async function () {
      const { billing, miner2, voucher, sign } = await loadFixture(billingFixture);
      const v = voucher();
      const sig = await sign(v);
      await expect(billing.connect(miner2).redeem(v, sig)).to.be.revertedWithCustomError(billing, "BillingNotMiner");
      const forged = { ...v, miner: miner2.address };
      await expect(billing.connect(miner2).redeem(forged, sig)).to.be.revertedWithCustomError(
        billing,
        "BillingInvalidSigner",
      );
    });
  });
});
