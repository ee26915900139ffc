import { expect } from "chai";
import fc from "fast-check";
import { loadFixture, takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { ZeroAddress } from "ethers";
import { ALLOTTED, billingFixture, NOOS, THAW } from "./fixture";

describe("Billing: allotments", function () {
  it("allot moves free escrow into one miner's allotment and emits Allotted", async function () {
    const { billing, client, miner2 } = await loadFixture(billingFixture);
    await expect(billing.connect(client).allot(client.address, miner2.address, 30n * NOOS))
      .to.emit(billing, "Allotted")
      .withArgs(client.address, miner2.address, 30n * NOOS, 30n * NOOS);
    expect((await billing.escrowOf(client.address))[0]).to.equal(70n * NOOS);
    expect(await billing.allotmentOf(client.address, miner2.address)).to.deep.equal([30n * NOOS, 0n, 0n]);
  });

  it("allotMany allots to several miners in one transaction", async function () {
    const { billing, client, miner, miner2 } = await loadFixture(billingFixture);
    const tx = billing.connect(client).allotMany(client.address, [miner.address, miner2.address], [NOOS, 2n * NOOS]);
    await expect(tx)
      .to.emit(billing, "Allotted")
      .withArgs(client.address, miner.address, NOOS, ALLOTTED + NOOS);
    await expect(tx)
      .to.emit(billing, "Allotted")
      .withArgs(client.address, miner2.address, 2n * NOOS, 2n * NOOS);
    await expect(billing.connect(client).allotMany(client.address, [miner.address], []))
      .to.be.revertedWithCustomError(billing, "BillingLengthMismatch")
      .withArgs(1, 0);
  });

  it("allot takes neither more than the free balance nor the part thawing for a withdrawal", async function () {
    const { billing, client, miner2 } = await loadFixture(billingFixture);
    await billing.connect(client).startWithdraw(60n * NOOS);
    await expect(billing.connect(client).allot(client.address, miner2.address, 41n * NOOS))
      .to.be.revertedWithCustomError(billing, "BillingInsufficientFreeEscrow")
      .withArgs(client.address, 40n * NOOS, 41n * NOOS);
    await expect(billing.connect(client).allot(client.address, miner2.address, 0)).to.be.revertedWithCustomError(
      billing,
      "BillingZeroAmount",
    );
    await expect(billing.connect(client).allot(client.address, ZeroAddress, 1)).to.be.revertedWithCustomError(
      billing,
      "BillingZeroAddress",
    );
    await billing.connect(client).allot(client.address, miner2.address, 40n * NOOS);
  });

  it("the client and its active signers may allot; a revoked signer or a stranger may not", async function () {
    const { billing, client, gateway, gateway2, stranger, miner2 } = await loadFixture(billingFixture);
    await billing.connect(client).authorizeSigner(gateway.address);
    await billing.connect(client).authorizeSigner(gateway2.address);
    await billing.connect(gateway).allot(client.address, miner2.address, NOOS);
    await billing.connect(gateway2).startUnallot(client.address, miner2.address, NOOS);
    await billing.connect(client).revokeSigner(gateway2.address); // its vouchers stay good a while; its say does not
    for (const who of [gateway2, stranger]) {
      for (const call of [
        () => billing.connect(who).allot(client.address, miner2.address, NOOS),
        () => billing.connect(who).startUnallot(client.address, miner2.address, NOOS),
        () => billing.connect(who).unallot(client.address, miner2.address),
        () => billing.connect(who).allotMany(client.address, [], []),
      ]) {
        await expect(call())
          .to.be.revertedWithCustomError(billing, "BillingNotClientOrSigner")
          .withArgs(client.address, who.address);
      }
    }
  });

  it("unallot waits for the thaw, the miner redeems meanwhile, and the rest goes back to free escrow", async function () {
    const { billing, client, miner, voucher, sign } = await loadFixture(billingFixture);
    await expect(billing.connect(client).startUnallot(client.address, miner.address, ALLOTTED + 1n))
      .to.be.revertedWithCustomError(billing, "BillingInsufficientAllotment")
      .withArgs(client.address, miner.address, ALLOTTED, ALLOTTED + 1n);
    const tx = await billing.connect(client).startUnallot(client.address, miner.address, 80n * NOOS);
    const end = BigInt(await time.latest()) + THAW;
    await expect(tx)
      .to.emit(billing, "UnallotStarted")
      .withArgs(client.address, miner.address, 80n * NOOS, end);
    expect(await billing.allotmentOf(client.address, miner.address)).to.deep.equal([ALLOTTED, 80n * NOOS, end]);
    await expect(billing.connect(client).unallot(client.address, miner.address)).to.be.revertedWithCustomError(
      billing,
      "BillingThawNotOver",
    );
    // The miner counted on 20 only, but redeems the 50 it served before the thaw started.
    const v = voucher({ cumulativeAmount: 50n * NOOS });
    await billing.connect(miner).redeem(v, await sign(v));
    await time.increaseTo(end);
    await expect(billing.connect(client).unallot(client.address, miner.address))
      .to.emit(billing, "Unallotted")
      .withArgs(client.address, miner.address, 50n * NOOS, 0n);
    expect(await billing.allotmentOf(client.address, miner.address)).to.deep.equal([0n, 0n, 0n]);
    expect((await billing.escrowOf(client.address))[0]).to.equal(150n * NOOS);
    await expect(billing.connect(client).unallot(client.address, miner.address))
      .to.be.revertedWithCustomError(billing, "BillingNothingUnallotting")
      .withArgs(client.address, miner.address);
  });

  it("one miner's redemption cannot take another miner's allotment", async function () {
    const { billing, client, miner, miner2, voucher, sign } = await loadFixture(billingFixture);
    await billing.connect(client).allot(client.address, miner2.address, 10n * NOOS);
    // Both served the whole escrow's worth on paper; each is paid from its own allotment only.
    const v1 = voucher({ cumulativeAmount: 200n * NOOS });
    await billing.connect(miner).redeem(v1, await sign(v1));
    const v2 = voucher({ miner: miner2.address, cumulativeAmount: 10n * NOOS });
    await expect(billing.connect(miner2).redeem(v2, await sign(v2)))
      .to.emit(billing, "Redeemed")
      .withArgs(client.address, miner2.address, 1, 0, v2.model, 10n * NOOS, anyValue, anyValue, anyValue, anyValue);
  });

  // The audit's "one escrow, many miners": with a shared balance, N miners could each serve up to the
  // whole escrow and the first to redeem took it. Here miners follow the admission rule the miner app
  // uses (serve while unredeemed + price fits amount - thawing, redeem as soon as a thaw starts) while the
  // client allots, thaws, takes back and withdraws at random and the miners redeem in any order: every
  // request served is paid, exactly.
  it("no served work goes unpaid, whatever the client and the other miners do (fast-check)", async function () {
    this.timeout(600_000);
    const f = await loadFixture(billingFixture);
    const { billing, client, miner, miner2, stranger, domain } = f;
    const miners = [miner, miner2, stranger];
    const price = NOOS;
    await billing
      .connect(client)
      .allotMany(client.address, [miner2.address, stranger.address], [30n * NOOS, 20n * NOOS]);
    const snapshot = await takeSnapshot();
    type Op =
      | { op: "serve"; m: number; n: number }
      | { op: "redeem"; m: number }
      | { op: "allot"; m: number; amount: bigint }
      | { op: "startUnallot"; m: number; permille: number }
      | { op: "unallot"; m: number }
      | { op: "withdraw"; permille: number };
    const m = fc.integer({ min: 0, max: 2 });
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ op: fc.constant("serve" as const), m, n: fc.integer({ min: 1, max: 40 }) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant("redeem" as const), m }) },
      {
        weight: 1,
        arbitrary: fc.record({ op: fc.constant("allot" as const), m, amount: fc.bigInt({ min: 1n, max: 30n * NOOS }) }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          op: fc.constant("startUnallot" as const),
          m,
          permille: fc.integer({ min: 1, max: 1_000 }),
        }),
      },
      { weight: 1, arbitrary: fc.record({ op: fc.constant("unallot" as const), m }) },
      {
        weight: 1,
        arbitrary: fc.record({ op: fc.constant("withdraw" as const), permille: fc.integer({ min: 1, max: 1_000 }) }),
      },
    );
    const seen = { served: 0, refused: 0, thawRedeems: 0, unallots: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 3, maxLength: 12 }), async (ops) => {
        await snapshot.restore();
        const served = [0n, 0n, 0n];
        const redeemed = [0n, 0n, 0n];
        const voucherOf = (i: number) => ({
          client: client.address,
          miner: miners[i]!.address,
          netuid: 1,
          tier: 0,
          model: f.voucher().model,
          cumulativeAmount: served[i]!,
        });
        const redeem = async (i: number) => {
          if (served[i] === redeemed[i]) return;
          const v = voucherOf(i);
          await billing.connect(miners[i]!).redeem(v, await f.sign(v, client, domain));
          redeemed[i] = served[i]!;
        };
        for (const o of ops) {
          if (o.op === "serve") {
            for (let k = 0; k < o.n; k++) {
              const [amount, thawing] = await billing.allotmentOf(client.address, miners[o.m]!.address);
              if (served[o.m]! - redeemed[o.m]! + price > amount - thawing) {
                seen.refused++;
                break;
              }
              served[o.m]! += price;
              seen.served++;
            }
          } else if (o.op === "redeem") {
            await redeem(o.m);
          } else if (o.op === "allot") {
            const [free, thawing] = await billing.escrowOf(client.address);
            const room = free - thawing;
            if (room > 0n)
              await billing
                .connect(client)
                .allot(client.address, miners[o.m]!.address, o.amount < room ? o.amount : room);
          } else if (o.op === "startUnallot") {
            const [amount] = await billing.allotmentOf(client.address, miners[o.m]!.address);
            if (amount === 0n) continue;
            await billing
              .connect(client)
              .startUnallot(client.address, miners[o.m]!.address, (amount * BigInt(o.permille) + 999n) / 1000n);
            // The miner sees the thaw start and redeems what it served before the thaw ends.
            if (served[o.m]! > redeemed[o.m]!) seen.thawRedeems++;
            await redeem(o.m);
          } else if (o.op === "unallot") {
            const [, thawing] = await billing.allotmentOf(client.address, miners[o.m]!.address);
            if (thawing === 0n) continue;
            await time.increase(THAW);
            await billing.connect(client).unallot(client.address, miners[o.m]!.address);
            seen.unallots++;
          } else {
            const [free] = await billing.escrowOf(client.address);
            if (free === 0n) continue;
            await billing.connect(client).startWithdraw((free * BigInt(o.permille) + 999n) / 1000n);
            await time.increase(THAW);
            await billing.connect(client).withdraw();
          }
        }
        for (let i = 0; i < 3; i++) await redeem(i);
        for (let i = 0; i < 3; i++) {
          expect(await billing.redeemed(client.address, miners[i]!.address, 1, 0)).to.equal(served[i]);
        }
        const [burned] = await billing.totals();
        const [pendingBurn] = await billing.pending();
        expect(burned + pendingBurn).to.equal(served.reduce((a, b) => a + b, 0n));
      }),
      { numRuns: 150 },
    );
    for (const [path, count] of Object.entries(seen)) expect(count, path).to.be.greaterThan(0);
  });
});
