import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Signature, ZeroAddress } from "ethers";
import { billingFixture, NOOS, THAW, REVOKE_DELAY } from "./fixture";

describe("Billing: escrow", function () {
  describe("deposits", function () {
    it("deposit moves tokens into the caller's escrow and emits Deposited", async function () {
      const { billing, token, client, billingAddress } = await loadFixture(billingFixture);
      const tx = billing.connect(client).deposit(5n * NOOS);
      await expect(tx)
        .to.emit(billing, "Deposited")
        .withArgs(client.address, client.address, 5n * NOOS, 105n * NOOS);
      await expect(tx).to.changeTokenBalances(token, [client, billingAddress], [-5n * NOOS, 5n * NOOS]);
      expect(await billing.escrowOf(client.address)).to.deep.equal([105n * NOOS, 0n, 0n]);
    });

    it("depositFor credits another client", async function () {
      const { billing, client, stranger } = await loadFixture(billingFixture);
      await expect(billing.connect(client).depositFor(stranger.address, 7n * NOOS))
        .to.emit(billing, "Deposited")
        .withArgs(client.address, stranger.address, 7n * NOOS, 7n * NOOS);
      expect((await billing.escrowOf(stranger.address))[0]).to.equal(7n * NOOS);
    });

    it("refuses zero amounts, a zero client and missing allowance", async function () {
      const { billing, token, client, stranger } = await loadFixture(billingFixture);
      await expect(billing.connect(client).deposit(0)).to.be.revertedWithCustomError(billing, "BillingZeroAmount");
      await expect(billing.connect(client).depositFor(ZeroAddress, 1)).to.be.revertedWithCustomError(
        billing,
        "BillingZeroAddress",
      );
      await expect(billing.connect(stranger).deposit(1)).to.be.revertedWithCustomError(
        token,
        "ERC20InsufficientAllowance",
      );
    });

    it("depositWithPermit needs no prior approve, and survives a front-run permit", async function () {
      const { billing, token, stranger, admin, billingAddress, chainId } = await loadFixture(billingFixture);
      await token.connect(admin).mint(stranger.address, 10n * NOOS);
      const deadline = BigInt(await time.latest()) + 3_600n;
      const permit = async (value: bigint) => {
        const sig = await stranger.signTypedData(
          { name: "Noosphere", version: "1", chainId, verifyingContract: await token.getAddress() },
          {
            Permit: [
              { name: "owner", type: "address" },
              { name: "spender", type: "address" },
              { name: "value", type: "uint256" },
              { name: "nonce", type: "uint256" },
              { name: "deadline", type: "uint256" },
            ],
          },
          {
            owner: stranger.address,
            spender: billingAddress,
            value,
            nonce: await token.nonces(stranger.address),
            deadline,
          },
        );
        return Signature.from(sig);
      };
      let s = await permit(4n * NOOS);
      await expect(billing.connect(stranger).depositWithPermit(stranger.address, 4n * NOOS, deadline, s.v, s.r, s.s))
        .to.emit(billing, "Deposited")
        .withArgs(stranger.address, stranger.address, 4n * NOOS, 4n * NOOS);
      // Someone submits the permit first: the deposit still goes through on the allowance it set.
      s = await permit(3n * NOOS);
      await token.permit(stranger.address, billingAddress, 3n * NOOS, deadline, s.v, s.r, s.s);
      await expect(billing.connect(stranger).depositWithPermit(stranger.address, 3n * NOOS, deadline, s.v, s.r, s.s))
        .to.emit(billing, "Deposited")
        .withArgs(stranger.address, stranger.address, 3n * NOOS, 7n * NOOS);
    });
  });

  describe("withdrawals", function () {
    it("startWithdraw records the request and its thaw end", async function () {
      const { billing, client } = await loadFixture(billingFixture);
      const tx = await billing.connect(client).startWithdraw(40n * NOOS);
      const end = BigInt(await time.latest()) + THAW;
      await expect(tx)
        .to.emit(billing, "WithdrawStarted")
        .withArgs(client.address, 40n * NOOS, end);
      expect(await billing.escrowOf(client.address)).to.deep.equal([100n * NOOS, 40n * NOOS, end]);
    });

    it("startWithdraw refuses zero and more than the balance", async function () {
      const { billing, client } = await loadFixture(billingFixture);
      await expect(billing.connect(client).startWithdraw(0)).to.be.revertedWithCustomError(
        billing,
        "BillingZeroAmount",
      );
      await expect(billing.connect(client).startWithdraw(101n * NOOS))
        .to.be.revertedWithCustomError(billing, "BillingInsufficientEscrow")
        .withArgs(client.address, 100n * NOOS, 101n * NOOS);
    });

    it("withdraw waits for the thaw, then pays and clears the request", async function () {
      const { billing, token, client, billingAddress } = await loadFixture(billingFixture);
      await billing.connect(client).startWithdraw(40n * NOOS);
      const end = BigInt(await time.latest()) + THAW;
      await expect(billing.connect(client).withdraw())
        .to.be.revertedWithCustomError(billing, "BillingThawNotOver")
        .withArgs(client.address, end, BigInt(await time.latest()) + 1n);
      await time.increaseTo(end);
      const tx = billing.connect(client).withdraw();
      await expect(tx)
        .to.emit(billing, "Withdrawn")
        .withArgs(client.address, 40n * NOOS, 60n * NOOS);
      await expect(tx).to.changeTokenBalances(token, [client, billingAddress], [40n * NOOS, -40n * NOOS]);
      expect(await billing.escrowOf(client.address)).to.deep.equal([60n * NOOS, 0n, 0n]);
      await expect(billing.connect(client).withdraw())
        .to.be.revertedWithCustomError(billing, "BillingNothingThawing")
        .withArgs(client.address);
    });

    it("a new request replaces the old one and restarts the clock", async function () {
      const { billing, client } = await loadFixture(billingFixture);
      await billing.connect(client).startWithdraw(40n * NOOS);
      await time.increase(THAW - 10n);
      await billing.connect(client).startWithdraw(10n * NOOS);
      const end = BigInt(await time.latest()) + THAW;
      expect(await billing.escrowOf(client.address)).to.deep.equal([100n * NOOS, 10n * NOOS, end]);
      await time.increase(20);
      await expect(billing.connect(client).withdraw()).to.be.revertedWithCustomError(billing, "BillingThawNotOver");
    });

    it("cancelWithdraw drops the request and emits WithdrawCancelled", async function () {
      const { billing, client } = await loadFixture(billingFixture);
      await expect(billing.connect(client).cancelWithdraw())
        .to.be.revertedWithCustomError(billing, "BillingNothingThawing")
        .withArgs(client.address);
      await billing.connect(client).startWithdraw(40n * NOOS);
      await expect(billing.connect(client).cancelWithdraw())
        .to.emit(billing, "WithdrawCancelled")
        .withArgs(client.address, 40n * NOOS);
      expect(await billing.escrowOf(client.address)).to.deep.equal([100n * NOOS, 0n, 0n]);
    });

    it("miners never redeem from the free balance: a withdrawal takes what was asked", async function () {
      const { billing, token, client, miner, voucher, sign } = await loadFixture(billingFixture);
      await billing.connect(client).startWithdraw(80n * NOOS);
      const v = voucher({ cumulativeAmount: 50n * NOOS });
      await billing.connect(miner).redeem(v, await sign(v));
      expect((await billing.escrowOf(client.address)).slice(0, 2)).to.deep.equal([100n * NOOS, 80n * NOOS]);
      await time.increase(THAW);
      const tx = billing.connect(client).withdraw();
      await expect(tx)
        .to.emit(billing, "Withdrawn")
        .withArgs(client.address, 80n * NOOS, 20n * NOOS);
      await expect(tx).to.changeTokenBalance(token, client, 80n * NOOS);
    });
  });
});

describe("Billing: signers", function () {
  it("authorizeSigner lets a gateway key sign vouchers", async function () {
    const { billing, client, gateway, gateway2, miner, voucher, sign } = await loadFixture(billingFixture);
    expect(await billing.isAuthorizedSigner(client.address, gateway.address)).to.equal(false);
    await expect(billing.connect(client).authorizeSigner(gateway.address))
      .to.emit(billing, "SignerAuthorized")
      .withArgs(client.address, gateway.address);
    await expect(billing.connect(client).authorizeSigner(gateway2.address))
      .to.emit(billing, "SignerAuthorized")
      .withArgs(client.address, gateway2.address);
    for (const g of [gateway, gateway2]) {
      expect(await billing.isAuthorizedSigner(client.address, g.address)).to.equal(true);
      expect(await billing.signerStatus(client.address, g.address)).to.deep.equal([true, 2n ** 64n - 1n]);
    }
    const v1 = voucher({ cumulativeAmount: NOOS });
    await expect(billing.connect(miner).redeem(v1, await sign(v1, gateway))).to.emit(billing, "Redeemed");
    const v2 = voucher({ cumulativeAmount: 2n * NOOS });
    await expect(billing.connect(miner).redeem(v2, await sign(v2, gateway2))).to.emit(billing, "Redeemed");
  });

  it("the client itself is always a signer; address(0) never is", async function () {
    const { billing, client } = await loadFixture(billingFixture);
    expect(await billing.isAuthorizedSigner(client.address, client.address)).to.equal(true);
    expect(await billing.isAuthorizedSigner(client.address, ZeroAddress)).to.equal(false);
    expect(await billing.signerStatus(client.address, ZeroAddress)).to.deep.equal([false, 0n]);
  });

  it("authorizeSigner refuses zero, self and a signer already active", async function () {
    const { billing, client, gateway, gateway2 } = await loadFixture(billingFixture);
    await expect(billing.connect(client).authorizeSigner(ZeroAddress)).to.be.revertedWithCustomError(
      billing,
      "BillingZeroAddress",
    );
    await expect(billing.connect(client).authorizeSigner(client.address))
      .to.be.revertedWithCustomError(billing, "BillingSignerIsClient")
      .withArgs(client.address);
    await billing.connect(client).authorizeSigner(gateway.address);
    await billing.connect(client).authorizeSigner(gateway2.address);
    for (const g of [gateway, gateway2]) {
      await expect(billing.connect(client).authorizeSigner(g.address))
        .to.be.revertedWithCustomError(billing, "BillingSignerAlreadyAuthorized")
        .withArgs(client.address, g.address);
    }
  });

  for (const which of ["first", "second"] as const) {
    it(`revoking the ${which} signer takes effect after signerRevokeDelay`, async function () {
      const { billing, client, gateway, gateway2, miner, voucher, sign } = await loadFixture(billingFixture);
      await billing.connect(client).authorizeSigner(gateway.address);
      await billing.connect(client).authorizeSigner(gateway2.address);
      const g = which === "first" ? gateway : gateway2;
      const tx = await billing.connect(client).revokeSigner(g.address);
      const until = BigInt(await time.latest()) + REVOKE_DELAY;
      await expect(tx).to.emit(billing, "SignerRevoked").withArgs(client.address, g.address, until);
      expect(await billing.signerStatus(client.address, g.address)).to.deep.equal([false, until]);
      // Vouchers it signed stay redeemable during the delay...
      const v1 = voucher({ cumulativeAmount: NOOS });
      await expect(billing.connect(miner).redeem(v1, await sign(v1, g))).to.emit(billing, "Redeemed");
      await expect(billing.connect(client).revokeSigner(g.address))
        .to.be.revertedWithCustomError(billing, "BillingSignerNotAuthorized")
        .withArgs(client.address, g.address);
      // ...and not after.
      await time.increaseTo(until);
      expect(await billing.isAuthorizedSigner(client.address, g.address)).to.equal(false);
      const v2 = voucher({ cumulativeAmount: 2n * NOOS });
      await expect(billing.connect(miner).redeem(v2, await sign(v2, g)))
        .to.be.revertedWithCustomError(billing, "BillingInvalidSigner")
        .withArgs(client.address, g.address);
      // Authorising it again restores it.
      await expect(billing.connect(client).authorizeSigner(g.address)).to.emit(billing, "SignerAuthorized");
      await expect(billing.connect(miner).redeem(v2, await sign(v2, g))).to.emit(billing, "Redeemed");
    });
  }

  it("re-authorising during the revocation delay cancels the revocation", async function () {
    const { billing, client, gateway } = await loadFixture(billingFixture);
    await billing.connect(client).authorizeSigner(gateway.address);
    await billing.connect(client).revokeSigner(gateway.address);
    await billing.connect(client).authorizeSigner(gateway.address);
    await time.increase(REVOKE_DELAY * 2n);
    expect(await billing.signerStatus(client.address, gateway.address)).to.deep.equal([true, 2n ** 64n - 1n]);
  });

  it("with no delay a revocation is immediate", async function () {
    const { billing, client, gateway, miner, voucher, sign } = await loadFixture(billingFixture);
    await billing.setSignerRevokeDelay(0);
    await billing.connect(client).authorizeSigner(gateway.address);
    await billing.connect(client).revokeSigner(gateway.address);
    const v = voucher();
    await expect(billing.connect(miner).redeem(v, await sign(v, gateway)))
      .to.be.revertedWithCustomError(billing, "BillingInvalidSigner")
      .withArgs(client.address, gateway.address);
  });

  it("revokeSigner refuses a key that was never authorised, and address(0)", async function () {
    const { billing, client, stranger } = await loadFixture(billingFixture);
    for (const who of [stranger.address, ZeroAddress]) {
      await expect(billing.connect(client).revokeSigner(who))
        .to.be.revertedWithCustomError(billing, "BillingSignerNotAuthorized")
        .withArgs(client.address, who);
    }
  });

  it("a signer of one client cannot sign for another", async function () {
    const { billing, client, client2, gateway, miner, voucher, sign } = await loadFixture(billingFixture);
    await billing.connect(client).authorizeSigner(gateway.address);
    await billing.connect(client2).deposit(10n * NOOS);
    const v = voucher({ client: client2.address });
    await expect(billing.connect(miner).redeem(v, await sign(v, gateway)))
      .to.be.revertedWithCustomError(billing, "BillingInvalidSigner")
      .withArgs(client2.address, gateway.address);
  });
});
