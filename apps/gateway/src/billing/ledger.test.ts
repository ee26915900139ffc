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

  it("asks for a snapshot of the chain before its first reservation", async () => {
    const ledger = ledgerFor();
    expect(await ledger.reserve(slots[0]!, 1n)).toEqual({ ok: false, reason: "no-snapshot" });
    expect(await ledger.snapshot(10, 5n, [])).toBe(true);
    expect(await ledger.reserve(slots[0]!, 1n)).toEqual({ ok: true, cumulative: 1n });
    expect(await ledger.summary()).toEqual({ outstanding: 1n, escrow: 5n, block: 10 });
  });

  it("admits the API key and reserves in one round trip; a refused key reserves nothing", async () => {
    const ledger = ledgerFor();
    const apiKeys = new ApiKeyStore(redis, keys, 0);
    await ledger.snapshot(1, 10n, []);
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
    expect(await ledger.reserve(slots[0]!, 4n, 0n, admit)).toEqual({ ok: true, cumulative: 4n });
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
    expect(await ledger.reserve(slots[1]!, 1n)).toEqual({ ok: true, cumulative: 1n });
  });

  it("raises a slot's cumulative by the price while the escrow covers everything outstanding", async () => {
    const ledger = ledgerFor();
    const [a, b] = [slots[0]!, slots[2]!];
    await ledger.snapshot(1, 10n * NOOS, []);
    expect(await ledger.reserve(a, 3n * NOOS)).toEqual({ ok: true, cumulative: 3n * NOOS });
    expect(await ledger.reserve(a, 3n * NOOS)).toEqual({ ok: true, cumulative: 6n * NOOS });
    expect(await ledger.reserve(b, 3n * NOOS)).toEqual({ ok: true, cumulative: 3n * NOOS });
    // 9 outstanding + 3 > 10: refused, whatever the slot.
    const refused = { ok: false, reason: "insufficient", outstanding: 9n * NOOS, available: 10n * NOOS };
    expect(await ledger.reserve(b, 3n * NOOS)).toEqual(refused);
    expect(await ledger.reserve(a, 3n * NOOS)).toEqual(refused);
    // The miner on slot a redeemed 6 (escrow 4 left): still 1 NOOS free, as before.
    await ledger.snapshot(2, 4n * NOOS, [{ slot: a, redeemed: 6n * NOOS }]);
    expect(await ledger.reserve(b, 3n * NOOS)).toMatchObject({ ok: false, outstanding: 3n * NOOS });
    expect(await ledger.reserve(b, 1n * NOOS)).toEqual({ ok: true, cumulative: 4n * NOOS });
    // A deposit is what frees room.
    await ledger.snapshot(3, 14n * NOOS, []);
    expect(await ledger.reserve(a, 10n * NOOS)).toEqual({ ok: true, cumulative: 16n * NOOS });
    expect((await ledger.summary()).outstanding).toBe(14n * NOOS);
  });

  it("never lets an older snapshot replace a newer escrow, but keeps the redeemed totals it saw", async () => {
    const ledger = ledgerFor();
    const s = slots[1]!;
    await ledger.snapshot(5, 100n, []);
    await ledger.reserve(s, 50n);
    expect(await ledger.snapshot(4, 1_000n, [{ slot: s, redeemed: 20n }])).toBe(false);
    expect(await ledger.summary()).toEqual({ outstanding: 30n, escrow: 100n, block: 5 });
    expect(await ledger.state(s)).toEqual({ cumulative: 50n, redeemed: 20n });
  });

  it("starts a new slot from what the chain says was redeemed, counting it outstanding until a snapshot", async () => {
    const ledger = ledgerFor();
    const s = slots[1]!;
    await ledger.snapshot(1, 2_000n, []);
    expect(await ledger.reserve(s, 5n, 1_000n)).toEqual({ ok: true, cumulative: 1_005n });
    expect((await ledger.summary()).outstanding).toBe(1_005n);
    await ledger.snapshot(2, 2_000n, [{ slot: s, redeemed: 1_000n }]);
    expect(await ledger.state(s)).toEqual({ cumulative: 1_005n, redeemed: 1_000n });
    expect((await ledger.summary()).outstanding).toBe(5n);
  });

  it("releases a failed call's reservation only if nothing moved the slot since", async () => {
    const ledger = ledgerFor();
    const s = slots[0]!;
    await ledger.snapshot(1, 1_000n, []);
    const first = await ledger.reserve(s, 10n);
    const second = await ledger.reserve(s, 10n);
    if (!first.ok || !second.ok) throw new Error("reservations refused");
    expect(await ledger.release(s, 10n, first.cumulative)).toBe(false); // second is above it
    expect(await ledger.release(s, 10n, second.cumulative)).toBe(true);
    expect(await ledger.release(s, 10n, second.cumulative)).toBe(false); // already released
    expect(await ledger.state(s)).toEqual({ cumulative: 10n, redeemed: 0n });
  });

  it("catches up with a miner that holds a higher voucher", async () => {
    const ledger = ledgerFor();
    const s = slots[2]!;
    await ledger.snapshot(1, 1_000n, []);
    await ledger.reserve(s, 10n);
    expect(await ledger.raiseHeld(s, 70n)).toBe(70n);
    expect(await ledger.raiseHeld(s, 20n)).toBe(70n);
    expect((await ledger.summary()).outstanding).toBe(70n);
    expect(await ledger.reserve(s, 10n)).toEqual({ ok: true, cumulative: 80n });
    expect(await ledger.slots()).toEqual([{ miner: s.miner.toLowerCase(), netuid: 2, tier: 0 }]);
  });

  it("keeps exact amounts beyond 2^64 wei", async () => {
    const ledger = ledgerFor();
    const price = 9_000_000n * NOOS + 1n;
    await ledger.snapshot(1, 21_000_000n * NOOS, []);
    await ledger.reserve(slots[0]!, price);
    expect(await ledger.reserve(slots[0]!, price)).toEqual({ ok: true, cumulative: 2n * price });
    expect(await ledger.reserve(slots[0]!, price)).toMatchObject({ ok: false, outstanding: 2n * price });
  });

  it("matches a bigint model on random operation sequences, and never signs beyond the escrow", async () => {
    type Op =
      | { kind: "reserve"; slot: number; price: bigint; floor: bigint }
      | { kind: "release"; back: number }
      | { kind: "snapshot"; block: number; escrow: bigint; redeemed: [number, bigint][] }
      | { kind: "held"; slot: number; held: bigint };
    const slotIx = fc.integer({ min: 0, max: slots.length - 1 });
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
      }),
      fc.record({ kind: fc.constant("held" as const), slot: slotIx, held: fc.bigInt({ min: 0n, max: 150n }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const ledger = ledgerFor();
        const c = slots.map(() => 0n);
        const r = slots.map(() => 0n);
        let escrow: bigint | undefined;
        let block = -1;
        const granted: { slot: number; price: bigint; cumulative: bigint }[] = [];
        const outstanding = () => c.reduce((a, b) => a + b, 0n) - r.reduce((a, b) => a + b, 0n);
        for (const o of ops) {
          if (o.kind === "reserve") {
            const got = await ledger.reserve(slots[o.slot]!, o.price, o.floor);
            if (escrow === undefined) {
              expect(got).toEqual({ ok: false, reason: "no-snapshot" });
              continue;
            }
            if (o.floor > c[o.slot]!) c[o.slot] = o.floor;
            if (outstanding() + o.price > escrow) {
              expect(got).toEqual({ ok: false, reason: "insufficient", outstanding: outstanding(), available: escrow });
            } else {
              c[o.slot] = c[o.slot]! + o.price;
              expect(got).toEqual({ ok: true, cumulative: c[o.slot] });
              granted.push({ slot: o.slot, price: o.price, cumulative: c[o.slot]! });
              expect(outstanding()).toBeLessThanOrEqual(escrow);
            }
          } else if (o.kind === "release") {
            const g = granted[granted.length - 1 - o.back];
            if (!g) continue;
            const undo = c[g.slot] === g.cumulative && g.cumulative - g.price >= r[g.slot]!;
            expect(await ledger.release(slots[g.slot]!, g.price, g.cumulative)).toBe(undo);
            if (undo) c[g.slot] = g.cumulative - g.price;
          } else if (o.kind === "snapshot") {
            const newer = o.block >= block;
            expect(
              await ledger.snapshot(
                o.block,
                o.escrow,
                o.redeemed.map(([i, x]) => ({ slot: slots[i]!, redeemed: x })),
              ),
            ).toBe(newer);
            for (const [i, x] of o.redeemed) {
              if (x > r[i]!) r[i] = x;
              if (r[i]! > c[i]!) c[i] = r[i]!;
            }
            if (newer) [escrow, block] = [o.escrow, o.block];
          } else {
            if (o.held > c[o.slot]!) c[o.slot] = o.held;
            expect(await ledger.raiseHeld(slots[o.slot]!, o.held)).toBe(c[o.slot]);
          }
          const summary = await ledger.summary();
          expect(summary.outstanding).toBe(outstanding());
          expect(summary.escrow).toBe(escrow);
          for (let i = 0; i < slots.length; i++)
            expect(await ledger.state(slots[i]!)).toEqual({ cumulative: c[i], redeemed: r[i] });
        }
      }),
      { numRuns: 120 },
    );
  });
});
