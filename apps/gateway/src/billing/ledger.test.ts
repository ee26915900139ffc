import fc from "fast-check";
import type { Redis } from "ioredis";
import { Wallet } from "ethers";
import { VoucherLedger } from "./ledger";
import type { VoucherSlot } from "./ledger";
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

  it("raises a slot's cumulative by the price while the escrow covers everything outstanding", async () => {
    const ledger = ledgerFor();
    const [a, b] = [slots[0]!, slots[2]!];
    expect(await ledger.reserve(a, 3n * NOOS, 10n * NOOS, 0n)).toEqual({ ok: true, cumulative: 3n * NOOS });
    expect(await ledger.reserve(a, 3n * NOOS, 10n * NOOS, 0n)).toEqual({ ok: true, cumulative: 6n * NOOS });
    expect(await ledger.reserve(b, 3n * NOOS, 10n * NOOS, 0n)).toEqual({ ok: true, cumulative: 3n * NOOS });
    // 9 outstanding + 3 > 10: refused, whatever the slot.
    expect(await ledger.reserve(b, 3n * NOOS, 10n * NOOS, 0n)).toEqual({ ok: false, outstanding: 9n * NOOS });
    // The miner on slot a redeemed 6: only 3 is outstanding now.
    expect(await ledger.reserve(b, 3n * NOOS, 4n * NOOS, 0n)).toEqual({ ok: false, outstanding: 9n * NOOS });
    expect(await ledger.reserve(a, 3n * NOOS, 4n * NOOS, 6n * NOOS)).toEqual({ ok: false, outstanding: 3n * NOOS });
    expect(await ledger.reserve(b, 1n * NOOS, 4n * NOOS, 0n)).toEqual({ ok: true, cumulative: 4n * NOOS });
    expect(await ledger.outstanding()).toBe(4n * NOOS);
  });

  it("starts a new slot from what the chain says was redeemed", async () => {
    const ledger = ledgerFor();
    expect(await ledger.reserve(slots[1]!, 5n, 100n, 1_000n)).toEqual({ ok: true, cumulative: 1_005n });
    expect(await ledger.state(slots[1]!)).toEqual({ cumulative: 1_005n, redeemed: 1_000n });
    expect(await ledger.outstanding()).toBe(5n);
  });

  it("releases a failed call's reservation only if nothing moved the slot since", async () => {
    const ledger = ledgerFor();
    const s = slots[0]!;
    const first = await ledger.reserve(s, 10n, 1_000n, 0n);
    const second = await ledger.reserve(s, 10n, 1_000n, 0n);
    expect(first.ok && second.ok).toBe(true);
    if (!first.ok || !second.ok) return;
    expect(await ledger.release(s, 10n, first.cumulative)).toBe(false); // second is above it
    expect(await ledger.release(s, 10n, second.cumulative)).toBe(true);
    expect(await ledger.release(s, 10n, second.cumulative)).toBe(false); // already released
    expect(await ledger.state(s)).toEqual({ cumulative: 10n, redeemed: 0n });
  });

  it("resyncs from a miner that holds a higher voucher, and from the chain", async () => {
    const ledger = ledgerFor();
    const s = slots[2]!;
    await ledger.reserve(s, 10n, 1_000n, 0n);
    expect(await ledger.observe(s, 0n, 70n)).toEqual({ cumulative: 70n, redeemed: 0n });
    expect(await ledger.outstanding()).toBe(70n);
    expect(await ledger.observe(s, 90n)).toEqual({ cumulative: 90n, redeemed: 90n });
    expect(await ledger.outstanding()).toBe(0n);
    expect(await ledger.reserve(s, 10n, 1_000n, 0n)).toEqual({ ok: true, cumulative: 100n });
    expect(await ledger.slots()).toEqual([{ miner: s.miner.toLowerCase(), netuid: 2, tier: 0 }]);
  });

  it("keeps exact amounts beyond 2^64 wei", async () => {
    const ledger = ledgerFor();
    const price = 9_000_000n * NOOS + 1n;
    await ledger.reserve(slots[0]!, price, 21_000_000n * NOOS, 0n);
    expect(await ledger.reserve(slots[0]!, price, 21_000_000n * NOOS, 0n)).toEqual({ ok: true, cumulative: 2n * price });
    expect(await ledger.reserve(slots[0]!, price, 21_000_000n * NOOS, 0n)).toEqual({ ok: false, outstanding: 2n * price });
  });

  it("matches a bigint model on random operation sequences (and never over-commits the escrow)", async () => {
    type Op =
      | { kind: "reserve"; slot: number; price: bigint; available: bigint; chain: bigint }
      | { kind: "release"; slot: number; price: bigint; back: number }
      | { kind: "observe"; slot: number; chain: bigint; held: bigint };
    const slotIx = fc.integer({ min: 0, max: slots.length - 1 });
    const small = fc.bigInt({ min: 0n, max: 50n });
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant("reserve" as const), slot: slotIx, price: fc.bigInt({ min: 1n, max: 20n }), available: fc.bigInt({ min: 0n, max: 200n }), chain: small }),
      fc.record({ kind: fc.constant("release" as const), slot: slotIx, price: fc.bigInt({ min: 1n, max: 20n }), back: fc.nat(3) }),
      fc.record({ kind: fc.constant("observe" as const), slot: slotIx, chain: small, held: fc.bigInt({ min: 0n, max: 150n }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const ledger = ledgerFor();
        const c = slots.map(() => 0n);
        const r = slots.map(() => 0n);
        const granted: { slot: number; price: bigint; cumulative: bigint }[] = [];
        const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);
        const raise = (i: number, chain: bigint) => {
          if (chain > r[i]!) r[i] = chain;
          if (r[i]! > c[i]!) c[i] = r[i]!;
        };
        for (const o of ops) {
          const s = slots[o.slot]!;
          if (o.kind === "reserve") {
            raise(o.slot, o.chain);
            const outstanding = sum(c) - sum(r);
            const got = await ledger.reserve(s, o.price, o.available, o.chain);
            if (outstanding + o.price > o.available) {
              expect(got).toEqual({ ok: false, outstanding });
            } else {
              c[o.slot] = c[o.slot]! + o.price;
              expect(got).toEqual({ ok: true, cumulative: c[o.slot] });
              granted.push({ slot: o.slot, price: o.price, cumulative: c[o.slot]! });
              expect(sum(c) - sum(r)).toBeLessThanOrEqual(o.available);
            }
          } else if (o.kind === "release") {
            const g = granted[granted.length - 1 - o.back];
            if (!g) continue;
            const undo = c[g.slot] === g.cumulative && g.cumulative - g.price >= r[g.slot]!;
            expect(await ledger.release(slots[g.slot]!, g.price, g.cumulative)).toBe(undo);
            if (undo) c[g.slot] = g.cumulative - g.price;
          } else {
            raise(o.slot, o.chain);
            if (o.held > c[o.slot]!) c[o.slot] = o.held;
            expect(await ledger.observe(s, o.chain, o.held)).toEqual({ cumulative: c[o.slot], redeemed: r[o.slot] });
          }
          expect(await ledger.outstanding()).toBe(sum(c) - sum(r));
        }
      }),
      { numRuns: 150 },
    );
  });
});
