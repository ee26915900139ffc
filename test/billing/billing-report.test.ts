import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  buildWeeklyReports,
  formatReport,
  readRedemptions,
  weekOf,
  weeklyReport,
  WEEK_SECONDS,
} from "@noosphere/cli/billing";
import { billingFixture, expectedSplit, MODEL, MODEL_ROYALTY_BPS, NOOS, NO_MODEL } from "./fixture";

/** Two clients, two miners, two weeks of redemptions. */
async function twoWeeksFixture() {
  const f = await billingFixture();
  const { billing, client, client2, miner, miner2, voucher, sign } = f;
  await billing.connect(client2).deposit(50n * NOOS);
  await billing.connect(client2).allot(client2.address, miner2.address, 50n * NOOS);
  await billing.connect(client).allot(client.address, miner2.address, 50n * NOOS);
  // Start at the beginning of a fresh week so every redemption below lands in the week it is meant to.
  const firstWeek = weekOf(await time.latest()) + 1n;
  await time.increaseTo(firstWeek * WEEK_SECONDS + 60n);
  const redeem = async (by: typeof miner, v: ReturnType<typeof voucher>, signer = client) =>
    (await billing.connect(by).redeem(v, await sign(v, signer))).wait();
  // Week 1: client pays miner 3 (model) then 2 more; client2 pays miner2 4 (no model).
  await redeem(miner, voucher({ cumulativeAmount: 3n * NOOS }));
  await redeem(miner, voucher({ cumulativeAmount: 5n * NOOS }));
  await redeem(
    miner2,
    voucher({ client: client2.address, miner: miner2.address, model: NO_MODEL, cumulativeAmount: 4n * NOOS }),
    client2,
  );
  // Week 2: client pays miner2 1 (model).
  await time.increaseTo((firstWeek + 1n) * WEEK_SECONDS + 60n);
  await redeem(miner2, voucher({ miner: miner2.address, cumulativeAmount: NOOS }));
  return { ...f, firstWeek };
}

describe("billing-report", function () {
  it("reads every Redeemed event with its fields", async function () {
    const { billing, billingAddress, client, miner, firstWeek } = await loadFixture(twoWeeksFixture);
    const events = await readRedemptions(billing.runner!, billingAddress);
    expect(events).to.have.length(4);
    const s = expectedSplit(3n * NOOS, MODEL_ROYALTY_BPS);
    expect(events[0]).to.include({
      client: client.address,
      miner: miner.address,
      netuid: 1,
      tier: 0,
      model: MODEL,
      burned: 3n * NOOS,
      mintedMiner: s.miner,
      mintedRoyalty: s.royalty,
      mintedTreasury: s.treasury,
      week: firstWeek,
    });
    expect(events[0]!.txHash).to.match(/^0x[0-9a-f]{64}$/);
  });

  it("tallies each week per client, per miner and per model", async function () {
    const { billing, billingAddress, client, client2, miner, miner2, firstWeek } = await loadFixture(twoWeeksFixture);
    const reports = buildWeeklyReports(await readRedemptions(billing.runner!, billingAddress));
    expect(reports.map((r) => r.week)).to.deep.equal([firstWeek, firstWeek + 1n]);
    const [w1, w2] = reports as [(typeof reports)[0], (typeof reports)[0]];

    const a = expectedSplit(3n * NOOS, MODEL_ROYALTY_BPS);
    const b = expectedSplit(2n * NOOS, MODEL_ROYALTY_BPS);
    const c = expectedSplit(4n * NOOS, 0n);
    expect(w1.totals).to.deep.equal({
      burned: 9n * NOOS,
      minted: a.minted + b.minted + c.minted,
      mintedMiner: a.miner + b.miner + c.miner,
      mintedRoyalty: a.royalty + b.royalty,
      mintedTreasury: a.treasury + b.treasury + c.treasury,
      redemptions: 3,
    });
    expect(w1.clients).to.deep.equal([
      { client: client.address, burned: 5n * NOOS, redemptions: 2 },
      { client: client2.address, burned: 4n * NOOS, redemptions: 1 },
    ]);
    const miners = new Map(w1.miners.map((m) => [m.miner, m]));
    expect(miners.get(miner.address)).to.deep.equal({
      miner: miner.address,
      burned: 5n * NOOS,
      minted: a.miner + b.miner,
      redemptions: 2,
    });
    expect(miners.get(miner2.address)).to.deep.equal({
      miner: miner2.address,
      burned: 4n * NOOS,
      minted: c.miner,
      redemptions: 1,
    });
    expect(w1.models).to.deep.equal([{ model: MODEL, royalty: a.royalty + b.royalty, redemptions: 2 }]);
    expect(w1.start).to.equal(firstWeek * WEEK_SECONDS);

    const d = expectedSplit(NOOS, MODEL_ROYALTY_BPS);
    expect(w2.totals.burned).to.equal(NOOS);
    expect(w2.clients).to.deep.equal([{ client: client.address, burned: NOOS, redemptions: 1 }]);
    expect(w2.miners).to.deep.equal([{ miner: miner2.address, burned: NOOS, minted: d.miner, redemptions: 1 }]);

    // The report agrees with the contract: everything burned across weeks is what billing booked.
    const [pendingBurn] = await billing.pending();
    const [settled] = await billing.totals();
    expect(w1.totals.burned + w2.totals.burned).to.equal(pendingBurn + settled);
  });

  it("weeklyReport picks the latest block's week by default, or the one asked for", async function () {
    const { billing, billingAddress, firstWeek } = await loadFixture(twoWeeksFixture);
    const latest = await weeklyReport(billing.runner!, billingAddress);
    expect(latest.week).to.equal(firstWeek + 1n);
    expect(latest.totals.redemptions).to.equal(1);
    const first = await weeklyReport(billing.runner!, billingAddress, { week: firstWeek });
    expect(first.totals.redemptions).to.equal(3);
    const empty = await weeklyReport(billing.runner!, billingAddress, { week: firstWeek - 5n });
    expect(empty.totals).to.deep.equal({
      burned: 0n,
      minted: 0n,
      mintedMiner: 0n,
      mintedRoyalty: 0n,
      mintedTreasury: 0n,
      redemptions: 0,
    });
    expect(empty.clients).to.deep.equal([]);
  });

  it("formats a readable table", async function () {
    const { billing, billingAddress, client, miner, firstWeek } = await loadFixture(twoWeeksFixture);
    const text = formatReport(await weeklyReport(billing.runner!, billingAddress, { week: firstWeek }));
    expect(text).to.match(
      new RegExp(
        `^Billing, week ${firstWeek} \\(\\d{4}-\\d{2}-\\d{2} to \\d{4}-\\d{2}-\\d{2} UTC\\): 3 redemption\\(s\\)`,
      ),
    );
    expect(text).to.contain("burned 9.0 NOOS");
    expect(text).to.match(new RegExp(`${client.address}\\s+2\\s+5\\.0`));
    expect(text).to.contain(miner.address);
    expect(text).to.contain(MODEL);
  });
});
