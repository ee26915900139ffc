/**
 * Random sequences of deposits, allotments and their thaws, vouchers, redemptions, replays, withdrawal
 * thaws, withdrawals, claims and settlements against a reference model. After every sequence: minted <=
 * burned, redeemed <= signed, free escrows and allotments match the model (never negative), the token
 * supply never grew through billing, the contract holds exactly escrows + allotments + pending burns; and
 * every replay (other miner, contract or chain) failed.
 */
import { expect } from "chai";
import fc from "fast-check";
import { loadFixture, takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import { signVoucher, voucherDomain, type Voucher } from "@noosphere/protocol";
import { expectedSplit, MODEL, MODEL_ROYALTY_BPS, THAW } from "./fixture";
import { keyOf, opArb, pickKey, propertyFixture, reverts } from "./property-model";
import type { Model } from "./property-model";

const RUNS = 1_000;

describe("Billing: properties (fast-check)", function () {
  this.timeout(600_000);

  it(`holds its invariants over ${RUNS} random sequences`, async function () {
    const f = await loadFixture(propertyFixture);
    const { billing, other, token, clients, miners, clientKeys, domain, billingAddress } = f;
    const otherChain = voucherDomain(1n, billingAddress);
    const supply0 = await token.totalSupply();
    const escrow0 = await Promise.all(clients.map(async (c) => (await billing.escrowOf(c.address))[0]));
    const allotted0 = await Promise.all(
      clients.map((c) => Promise.all(miners.map(async (m) => (await billing.allotmentOf(c.address, m.address))[0]))),
    );
    const [pendingBurn0, treasuryCredit0] = await billing.pending();
    const snapshot = await takeSnapshot();
    const seen = {
      redemptions: 0,
      capped: 0,
      notNewer: 0,
      emptyAllotment: 0,
      replays: 0,
      allotments: 0,
      unallotments: 0,
      withdrawals: 0,
      claims: 0,
    };

    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 2, maxLength: 8 }), async (ops) => {
        await snapshot.restore();
        const model: Model = {
          escrow: [...escrow0],
          allotted: allotted0.map((row) => [...row]),
          unallotting: [
            [undefined, undefined],
            [undefined, undefined],
          ],
          thaw: [0n, 0n],
          thawing: [false, false],
          signed: new Map(),
          redeemed: new Map(),
          unclaimed: new Map(),
          pendingBurn: pendingBurn0,
          burned: 0n,
          minted: 0n,
          treasuryCredit: treasuryCredit0,
          royaltyCredit: 0n,
        };
        const voucherFor = (c: number, m: number, tier: number, cumulativeAmount: bigint): Voucher => ({
          client: clients[c]!.address,
          miner: miners[m]!.address,
          netuid: 1,
          tier,
          model: MODEL,
          cumulativeAmount,
        });

        for (const o of ops) {
          switch (o.op) {
            case "deposit": {
              await billing.connect(clients[o.c]!).deposit(o.amount);
              model.escrow[o.c]! += o.amount;
              break;
            }
            case "allot": {
              const balance = model.escrow[o.c]!;
              const asked = model.thawing[o.c] ? model.thaw[o.c]! : 0n;
              const free = balance > asked ? balance - asked : 0n;
              const who = billing.connect(clients[o.c]!);
              if (free === 0n) {
                await reverts(
                  billing,
                  () => who.allot.staticCall(clients[o.c]!.address, miners[o.m]!.address, 1n),
                  "BillingInsufficientFreeEscrow",
                );
                break;
              }
              const amount = (free * BigInt(o.permille) + 999n) / 1_000n;
              await who.allot(clients[o.c]!.address, miners[o.m]!.address, amount);
              seen.allotments++;
              model.escrow[o.c]! -= amount;
              model.allotted[o.c]![o.m]! += amount;
              break;
            }
            case "startUnallot": {
              const allotment = model.allotted[o.c]![o.m]!;
              if (allotment === 0n) break;
              const amount = (allotment * BigInt(o.permille) + 999n) / 1_000n;
              await billing.connect(clients[o.c]!).startUnallot(clients[o.c]!.address, miners[o.m]!.address, amount);
              model.unallotting[o.c]![o.m] = amount;
              break;
            }
            case "unallot": {
              const who = billing.connect(clients[o.c]!);
              const asked = model.unallotting[o.c]![o.m];
              if (asked === undefined) {
                await reverts(
                  billing,
                  () => who.unallot.staticCall(clients[o.c]!.address, miners[o.m]!.address),
                  "BillingNothingUnallotting",
                );
                break;
              }
              await time.increase(THAW);
              await who.unallot(clients[o.c]!.address, miners[o.m]!.address);
              seen.unallotments++;
              const allotment = model.allotted[o.c]![o.m]!;
              const back = asked < allotment ? asked : allotment;
              model.allotted[o.c]![o.m]! -= back;
              model.escrow[o.c]! += back;
              model.unallotting[o.c]![o.m] = undefined;
              break;
            }
            case "sign": {
              const k = keyOf(o.c, o.m, o.tier);
              const list = model.signed.get(k) ?? [];
              list.push((list.at(-1) ?? 0n) + o.inc);
              model.signed.set(k, list);
              break;
            }
            case "redeem": {
              const picked = pickKey(model, o.pick);
              if (!picked) break;
              const [{ c, m, tier }, list] = picked;
              const cumulative = o.older ? list[0]! : list.at(-1)!;
              const v = voucherFor(c, m, tier, cumulative);
              const sig = await signVoucher(clientKeys[c]!, domain, v);
              const b = billing.connect(miners[m]!);
              const k = keyOf(c, m, tier);
              const done = model.redeemed.get(k) ?? 0n;
              if (cumulative <= done) {
                await reverts(billing, () => b.redeem.staticCall(v, sig), "BillingVoucherNotNewer");
                seen.notNewer++;
                break;
              }
              const allotment = model.allotted[c]![m]!;
              if (allotment === 0n) {
                await reverts(billing, () => b.redeem.staticCall(v, sig), "BillingAllotmentEmpty");
                seen.emptyAllotment++;
                break;
              }
              await b.redeem(v, sig);
              seen.redemptions++;
              const owed = cumulative - done;
              if (owed > allotment) seen.capped++;
              const paid = owed < allotment ? owed : allotment;
              const s = expectedSplit(paid, MODEL_ROYALTY_BPS);
              model.allotted[c]![m]! -= paid;
              model.redeemed.set(k, cumulative);
              model.unclaimed.set(k, (model.unclaimed.get(k) ?? 0n) + s.miner);
              model.pendingBurn += paid;
              model.treasuryCredit += s.treasury;
              model.royaltyCredit += s.royalty;
              break;
            }
            case "replay": {
              const picked = pickKey(model, o.pick);
              if (!picked) break;
              const [{ c, m, tier }, list] = picked;
              const v = voucherFor(c, m, tier, list.at(-1)!);
              seen.replays++;
              if (o.how === "miner") {
                const sig = await signVoucher(clientKeys[c]!, domain, v);
                const thief = miners[1 - m]!;
                await reverts(billing, () => billing.connect(thief).redeem.staticCall(v, sig), "BillingNotMiner");
                const forged = { ...v, miner: thief.address };
                await reverts(
                  billing,
                  () => billing.connect(thief).redeem.staticCall(forged, sig),
                  "BillingInvalidSigner",
                );
              } else if (o.how === "contract") {
                const sig = await signVoucher(clientKeys[c]!, domain, v);
                await reverts(other, () => other.connect(miners[m]!).redeem.staticCall(v, sig), "BillingInvalidSigner");
              } else {
                const sig = await signVoucher(clientKeys[c]!, otherChain, v);
                await reverts(
                  billing,
                  () => billing.connect(miners[m]!).redeem.staticCall(v, sig),
                  "BillingInvalidSigner",
                );
              }
              break;
            }
            case "startWithdraw": {
              const balance = model.escrow[o.c]!;
              if (balance === 0n) break;
              const amount = (balance * BigInt(o.permille) + 999n) / 1_000n;
              await billing.connect(clients[o.c]!).startWithdraw(amount);
              model.thaw[o.c] = amount;
              model.thawing[o.c] = true;
              break;
            }
            case "withdraw": {
              const who = billing.connect(clients[o.c]!);
              if (!model.thawing[o.c]) {
                await reverts(billing, () => who.withdraw.staticCall(), "BillingNothingThawing");
                break;
              }
              await time.increase(THAW);
              await who.withdraw();
              seen.withdrawals++;
              const pay = model.thaw[o.c]! < model.escrow[o.c]! ? model.thaw[o.c]! : model.escrow[o.c]!;
              model.escrow[o.c]! -= pay;
              model.thaw[o.c] = 0n;
              model.thawing[o.c] = false;
              break;
            }
            case "claim": {
              const keys: { client: string; netuid: number; tier: number }[] = [];
              let amount = 0n;
              for (let c = 0; c < 2; c++) {
                for (let tier = 0; tier < 2; tier++) {
                  keys.push({ client: clients[c]!.address, netuid: 1, tier });
                  const k = keyOf(c, o.m, tier);
                  amount += model.unclaimed.get(k) ?? 0n;
                  model.unclaimed.set(k, 0n);
                }
              }
              const who = billing.connect(miners[o.m]!);
              if (amount === 0n) {
                await reverts(
                  billing,
                  () => who.claimEarnings.staticCall(keys, miners[o.m]!.address),
                  "BillingNothingToClaim",
                );
                break;
              }
              await who.claimEarnings(keys, miners[o.m]!.address);
              seen.claims++;
              model.burned += model.pendingBurn;
              model.pendingBurn = 0n;
              model.minted += amount;
              break;
            }
            case "settle": {
              await billing.settle();
              model.burned += model.pendingBurn;
              model.pendingBurn = 0n;
              break;
            }
          }
        }

        // One batch of reads, then every invariant.
        const keys = [...model.signed.keys()];
        const [supply, held, totals, pending, escrows, allotments, redeemed] = await Promise.all([
          token.totalSupply(),
          token.balanceOf(billingAddress),
          billing.totals(),
          billing.pending(),
          Promise.all(clients.map((c) => billing.escrowOf(c.address))),
          Promise.all(
            clients.map((c) =>
              Promise.all(miners.map(async (m) => (await billing.allotmentOf(c.address, m.address))[0])),
            ),
          ),
          Promise.all(
            keys.map((k) => {
              const [c, m, tier] = k.split(":").map(Number) as [number, number, number];
              return billing.redeemed(clients[c]!.address, miners[m]!.address, 1, tier);
            }),
          ),
        ]);
        const [burned, minted] = totals;
        expect(minted <= burned, "minted <= burned").to.equal(true);
        expect([burned, minted]).to.deep.equal([model.burned, model.minted]);
        expect(pending).to.deep.equal([model.pendingBurn, model.treasuryCredit]);
        expect(supply <= supply0, "supply never grows through billing").to.equal(true);
        expect(supply).to.equal(supply0 - burned + minted);
        expect(escrows.map((e) => e[0])).to.deep.equal(model.escrow);
        expect(allotments).to.deep.equal(model.allotted);
        const allottedTotal = model.allotted.flat().reduce((a, b) => a + b, 0n);
        expect(held).to.equal(model.escrow[0]! + model.escrow[1]! + allottedTotal + model.pendingBurn);
        keys.forEach((k, i) => {
          const signedMax = model.signed.get(k)!.at(-1)!;
          expect(redeemed[i]! <= signedMax, "redeemed <= signed").to.equal(true);
          expect(redeemed[i]).to.equal(model.redeemed.get(k) ?? 0n);
        });
      }),
      { numRuns: RUNS },
    );
    // The generator really took every interesting path (each counted at least once in 1,000 runs).
    for (const [path, count] of Object.entries(seen)) expect(count, path).to.be.greaterThan(0);
  });
});
