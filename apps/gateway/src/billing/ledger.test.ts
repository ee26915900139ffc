import fc from "fast-check";
import type { Redis } from "ioredis";
import { Wallet } from "ethers";
import { VoucherLedger } from "./ledger";
import type { VoucherSlot } from "./ledger";
import { ApiKeyStore } from "../store/api-keys";
import type { Keyspace } from "../store/keyspace";
import { testRedis } from "../testing/redis";

const BILLING = "0x0000000000000000000000000000000000000B11";
const miners = [Wallet.createRandom().address, Wallet.createRandom().address];
const slots: VoucherSlot[] = [
  { miner: miners[0]!, netuid: 1, tier: 0 },
  { miner: miners[0]!, netuid: 1, tier: 1 },
  { miner: miners[1]!, netuid: 2, tier: 0 },
];
const NOOS = 10n ** 18n;

describe("voucher ledger", () => {
  let redis: Redis;
  let keys: Keyspace;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ redis, keys, cleanup } = await testRedis()));
  afterAll(async () => cleanup());

  const ledgerFor = () => new VoucherLedger(redis, keys, 31337, BILLING, Wallet.createRandom().address);

  const all = (available: bigint) => miners.map((miner) => ({ miner, available }));

  it("asks for a snapshot of the chain before its first reservation", async () => {
    const ledger = ledgerFor();
    expect(await ledger.reserve(slots[0]!, 1n)).toEqual({ ok: false, reason: "no-snapshot" });
    expect(await ledger.snapshot(10, 5n, [], all(3n))).toBe(true);
    expect(await ledger.reserve(slots[0]!, 1n)).toEqual({ ok: true, cumulative: 1n, fromCredit: false });
    expect(await ledger.summary()).toEqual({ outstanding: 1n, escrow: 5n, block: 10 });
    expect(await ledger.minerState(miners[0]!)).toEqual({ exposure: 1n, allotment: 3n });
  });

  it("admits the API key and reserves in one round trip; a refused key reserves nothing", async () => {
    const ledger = ledgerFor();
    const apiKeys = new ApiKeyStore(redis, keys, 0);
    await ledger.snapshot(1, 0n, [], all(10n));
    const { key, record } = await apiKeys.create("one a minute", { rpm: 1 });
    const admit = apiKeys.admission(key)!;
    const wrong = apiKeys.admission(key.slice(0, -1) + (key.endsWith("a") ? "b" : "a"))!;
    const unchanged = async () => expect(await ledger.summary()).toMatchObject({ outstanding: 0n });
    expect(await ledger.reserve(slots[0]!, 4n, 0n, wrong)).toEqual({
      ok: false,
      reason: "key",
      admission: { ok: false, reason: "invalid" },
    });
    await unchanged();
    expect(await ledger.reserve(slots[0]!, 4n, 0n, admit)).toEqual({ ok: true, cumulative: 4n, fromCredit: false });
    // The minute's one request is taken.
    expect(await ledger.reserve(slots[0]!, 4n, 0n, admit)).toMatchObject({
      ok: false,
      reason: "key",
      admission: { ok: false, reason: "rate-limited", limit: 1 },
    });
    expect(await ledger.summary()).toMatchObject({ outstanding: 4n });
    await apiKeys.revoke(record.id);
    expect(await ledger.reserve(slots[1]!, 1n, 0n, admit)).toMatchObject({
      reason: "key",
      admission: { reason: "revoked" },
    });
    expect(await ledger.summary()).toMatchObject({ outstanding: 4n });
    // Without a key it is the plain reservation.
    expect(await ledger.reserve(slots[1]!, 1n)).toEqual({ ok: true, cumulative: 1n, fromCredit: false });
  });

  // The audit's "one escrow, many miners": each miner is held to its own allotment, never to the
  // whole escrow, so the vouchers signed to N miners can never add up to more than they may redeem.
  it("holds each miner to its own allotment, whatever the others have", async () => {
    const ledger = ledgerFor();
    const [a, a2, b] = [slots[0]!, slots[1]!, slots[2]!]; // a and a2: the same miner
    await ledger.snapshot(
      1,
      100n * NOOS,
      [],
      [
        { miner: miners[0]!, available: 6n * NOOS },
        { miner: miners[1]!, available: 3n * NOOS },
      ],
    );
    expect(await ledger.reserve(a, 3n * NOOS)).toMatchObject({ ok: true, cumulative: 3n * NOOS });
    expect(await ledger.reserve(a2, 3n * NOOS)).toMatchObject({ ok: true, cumulative: 3n * NOOS });
    expect(await ledger.reserve(a, 1n)).toEqual({
      ok: false,
      reason: "insufficient",
      outstanding: 6n * NOOS,
      available: 6n * NOOS,
    });
    expect(await ledger.reserve(b, 3n * NOOS)).toMatchObject({ ok: true });
    expect(await ledger.reserve(b, 1n)).toMatchObject({ ok: false, outstanding: 3n * NOOS, available: 3n * NOOS });
    // miner 0 redeemed 3 from its allotment (3 left): the room it had is unchanged, 0.
    await ledger.snapshot(
      2,
      100n * NOOS,
      [{ slot: a, redeemed: 3n * NOOS }],
      [{ miner: miners[0]!, available: 3n * NOOS }],
    );
    expect(await ledger.reserve(a, 1n)).toMatchObject({ ok: false, outstanding: 3n * NOOS });
    // An allotment is what frees room.
    await ledger.snapshot(3, 90n * NOOS, [], [{ miner: miners[0]!, available: 13n * NOOS }]);
    expect(await ledger.reserve(a, 10n * NOOS)).toEqual({ ok: true, cumulative: 13n * NOOS, fromCredit: false });
    expect((await ledger.summary()).outstanding).toBe(16n * NOOS);
  });

  it("never lets an older snapshot replace a newer escrow or allotment, but keeps the redeemed totals it saw", async () => {
    const ledger = ledgerFor();
    const s = slots[1]!;
    await ledger.snapshot(5, 100n, [], all(60n));
    await ledger.reserve(s, 50n);
    expect(await ledger.snapshot(4, 1_000n, [{ slot: s, redeemed: 20n }], all(1_000n))).toBe(false);
    expect(await ledger.summary()).toEqual({ outstanding: 30n, escrow: 100n, block: 5 });
    expect(await ledger.state(s)).toEqual({ cumulative: 50n, redeemed: 20n, credit: 0n });
    expect(await ledger.minerState(s.miner)).toEqual({ exposure: 30n, allotment: 60n });
  });

  it("starts a new slot from what the chain says was redeemed, counting it outstanding until a snapshot", async () => {
    const ledger = ledgerFor();
    const s = slots[1]!;
    await ledger.snapshot(1, 0n, [], all(2_000n));
    expect(await ledger.reserve(s, 5n, 1_000n)).toEqual({ ok: true, cumulative: 1_005n, fromCredit: false });
    expect((await ledger.summary()).outstanding).toBe(1_005n);
    await ledger.snapshot(2, 0n, [{ slot: s, redeemed: 1_000n }], all(1_000n));
    expect(await ledger.state(s)).toEqual({ cumulative: 1_005n, redeemed: 1_000n, credit: 0n });
    expect((await ledger.summary()).outstanding).toBe(5n);
  });

  // Issue 23: a failed call's price came back only if nothing had moved the slot since, so under
  // concurrency the next answered voucher carried it too and the client paid for failures.
  it("undoes a failed call at the top of its slot, and turns any other into credit the next call takes", async () => {
    const ledger = ledgerFor();
    const s = slots[0]!;
    await ledger.snapshot(1, 0n, [], all(1_000n));
    const first = await ledger.reserve(s, 10n);
    const second = await ledger.reserve(s, 10n);
    if (!first.ok || !second.ok) throw new Error("reservations refused");
    expect(await ledger.release(s, 10n, first.cumulative)).toBe("credited"); // second is above it
    expect(await ledger.state(s)).toEqual({ cumulative: 20n, redeemed: 0n, credit: 10n });
    const third = await ledger.reserve(s, 10n); // takes the credit: the same voucher pays for it
    expect(third).toEqual({ ok: true, cumulative: 20n, fromCredit: true });
    expect(await ledger.release(s, 10n, 20n, true)).toBe("credited"); // a credit call's price goes back to credit
    expect(await ledger.reserve(s, 10n)).toEqual({ ok: true, cumulative: 20n, fromCredit: true });
    expect(await ledger.release(s, 10n, second.cumulative)).toBe("undone"); // the top again: c goes down
    expect(await ledger.state(s)).toEqual({ cumulative: 10n, redeemed: 0n, credit: 0n });
    // Credit under a partial redemption at what answered work earned: never more than the gap.
    const low = await ledger.reserve(s, 10n);
    await ledger.reserve(s, 10n);
    if (!low.ok) throw new Error("refused");
    expect(await ledger.release(s, 10n, low.cumulative)).toBe("credited");
    expect(await ledger.state(s)).toEqual({ cumulative: 30n, redeemed: 0n, credit: 10n });
    await ledger.snapshot(2, 0n, [{ slot: s, redeemed: 20n }], all(980n));
    expect(await ledger.state(s)).toEqual({ cumulative: 30n, redeemed: 20n, credit: 10n });
    await ledger.snapshot(3, 0n, [{ slot: s, redeemed: 25n }], all(975n));
    expect(await ledger.state(s)).toEqual({ cumulative: 30n, redeemed: 25n, credit: 5n });
  });

  it("catches up with a voucher a miner proved it holds, dropping the slot's credit", async () => {
    const ledger = ledgerFor();
    const s = slots[2]!;
    await ledger.snapshot(1, 0n, [], all(1_000n));
    await ledger.reserve(s, 10n);
    await ledger.reserve(s, 10n);
    await ledger.release(s, 10n, 10n);
    expect(await ledger.raiseHeld(s, 70n)).toBe(70n);
    expect(await ledger.raiseHeld(s, 20n)).toBe(70n);
    expect(await ledger.state(s)).toEqual({ cumulative: 70n, redeemed: 0n, credit: 0n });
    expect((await ledger.summary()).outstanding).toBe(70n);
    expect(await ledger.reserve(s, 10n)).toEqual({ ok: true, cumulative: 80n, fromCredit: false });
    expect(await ledger.slots()).toEqual([{ miner: s.miner.toLowerCase(), netuid: 2, tier: 0 }]);
  });

  it("keeps exact amounts beyond 2^64 wei", async () => {
    const ledger = ledgerFor();
    const price = 9_000_000n * NOOS + 1n;
    await ledger.snapshot(1, 0n, [], all(21_000_000n * NOOS));
    await ledger.reserve(slots[0]!, price);
    expect(await ledger.reserve(slots[0]!, price)).toEqual({ ok: true, cumulative: 2n * price, fromCredit: false });
    expect(await ledger.reserve(slots[0]!, price)).toMatchObject({ ok: false, outstanding: 2n * price });
  });

  it("matches a bigint model on random operation sequences, and never signs a miner beyond its allotment", async () => {
    type Op =
      | { kind: "reserve"; slot: number; price: bigint; floor: bigint }
      | { kind: "release"; back: number }
      | { kind: "snapshot"; block: number; escrow: bigint; redeemed: [number, bigint][]; allot: [number, bigint][] }
      | { kind: "held"; slot: number; held: bigint };
    const slotIx = fc.integer({ min: 0, max: slots.length - 1 });
    const minerIx = fc.integer({ min: 0, max: miners.length - 1 });
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        kind: fc.constant("reserve" as const),
        slot: slotIx,
        price: fc.bigInt({ min: 1n, max: 20n }),
        floor: fc.bigInt({ min: 0n, max: 40n }),
      }),
      fc.record({ kind: fc.constant("release" as const), back: fc.nat(3) }),
      fc.record({
        kind: fc.constant("snapshot" as const),
        block: fc.nat(20),
        escrow: fc.bigInt({ min: 0n, max: 300n }),
        redeemed: fc.array(fc.tuple(slotIx, fc.bigInt({ min: 0n, max: 60n })), { maxLength: 3 }),
        allot: fc.array(fc.tuple(minerIx, fc.bigInt({ min: 0n, max: 200n })), { maxLength: 2 }),
      }),
      fc.record({ kind: fc.constant("held" as const), slot: slotIx, held: fc.bigInt({ min: 0n, max: 150n }) }),
    );
    const minerOf = slots.map((s) => miners.indexOf(s.miner));
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const ledger = ledgerFor();
        const c = slots.map(() => 0n);
        const r = slots.map(() => 0n);
        const g = slots.map(() => 0n);
        const a = miners.map(() => 0n);
        let escrow: bigint | undefined;
        let block = -1;
        const granted: { slot: number; price: bigint; cumulative: bigint; fromCredit: boolean }[] = [];
        const exposure = (m: number) => slots.reduce((sum, _, i) => (minerOf[i] === m ? sum + c[i]! - r[i]! : sum), 0n);
        const capCredit = (i: number) => {
          if (g[i]! > c[i]! - r[i]!) g[i] = c[i]! - r[i]!;
        };
        for (const o of ops) {
          if (o.kind === "reserve") {
            const got = await ledger.reserve(slots[o.slot]!, o.price, o.floor);
            if (escrow === undefined) {
              expect(got).toEqual({ ok: false, reason: "no-snapshot" });
              continue;
            }
            const m = minerOf[o.slot]!;
            if (o.floor > c[o.slot]!) c[o.slot] = o.floor;
            if (g[o.slot]! >= o.price) {
              g[o.slot] = g[o.slot]! - o.price;
              expect(got).toEqual({ ok: true, cumulative: c[o.slot], fromCredit: true });
              granted.push({ slot: o.slot, price: o.price, cumulative: c[o.slot]!, fromCredit: true });
            } else if (exposure(m) + o.price > a[m]!) {
              expect(got).toEqual({ ok: false, reason: "insufficient", outstanding: exposure(m), available: a[m] });
            } else {
              c[o.slot] = c[o.slot]! + o.price;
              expect(got).toEqual({ ok: true, cumulative: c[o.slot], fromCredit: false });
              granted.push({ slot: o.slot, price: o.price, cumulative: c[o.slot]!, fromCredit: false });
              expect(exposure(m)).toBeLessThanOrEqual(a[m]!);
            }
          } else if (o.kind === "release") {
            const x = granted[granted.length - 1 - o.back];
            if (!x) continue;
            const i = x.slot;
            const undo = !x.fromCredit && c[i] === x.cumulative && x.cumulative - x.price >= r[i]! + g[i]!;
            expect(await ledger.release(slots[i]!, x.price, x.cumulative, x.fromCredit)).toBe(
              undo ? "undone" : "credited",
            );
            if (undo) c[i] = x.cumulative - x.price;
            else {
              g[i] = g[i]! + x.price;
              capCredit(i);
            }
          } else if (o.kind === "snapshot") {
            const newer = o.block >= block;
            expect(
              await ledger.snapshot(
                o.block,
                o.escrow,
                o.redeemed.map(([i, x]) => ({ slot: slots[i]!, redeemed: x })),
                o.allot.map(([m, x]) => ({ miner: miners[m]!, available: x })),
              ),
            ).toBe(newer);
            for (const [i, x] of o.redeemed) {
              if (x > r[i]!) r[i] = x;
              if (r[i]! > c[i]!) c[i] = r[i]!;
              capCredit(i);
            }
            if (newer) {
              [escrow, block] = [o.escrow, o.block];
              for (const [m, x] of o.allot) a[m] = x;
            }
          } else {
            if (o.held > c[o.slot]!) c[o.slot] = o.held;
            g[o.slot] = 0n;
            expect(await ledger.raiseHeld(slots[o.slot]!, o.held)).toBe(c[o.slot]);
          }
          const summary = await ledger.summary();
          expect(summary.outstanding).toBe(c.reduce((x, y) => x + y, 0n) - r.reduce((x, y) => x + y, 0n));
          expect(summary.escrow).toBe(escrow);
          for (let i = 0; i < slots.length; i++)
            expect(await ledger.state(slots[i]!)).toEqual({ cumulative: c[i], redeemed: r[i], credit: g[i] });
          for (let m = 0; m < miners.length; m++)
            expect(await ledger.minerState(miners[m]!)).toEqual({ exposure: exposure(m), allotment: a[m] });
        }
      }),
      { numRuns: 120 },
    );
  });
});
