import type { Voucher } from "@noosphere/protocol";
import { VoucherBook } from "./voucher-book";

const client = "0x00000000000000000000000000000000000000c1";
const v = (cumulativeAmount: bigint): { voucher: Voucher; signature: string } => ({
  voucher: {
    client,
    miner: "0x00000000000000000000000000000000000000a1",
    netuid: 1,
    tier: 1,
    model: "0x" + "00".repeat(32),
    cumulativeAmount,
  },
  signature: "0x",
});

describe("VoucherBook", () => {
  it("keeps the highest voucher per client and what is still owed", () => {
    const book = new VoucherBook();
    book.reserve(v(10n));
    book.reserve(v(30n));
    book.reserve(v(20n)); // lower: ignored
    expect(book.cumulativeOf(client)).toBe(30n);
    expect(book.unredeemed().map((h) => h.voucher.cumulativeAmount)).toEqual([30n]);
    book.markRedeemed(client.toUpperCase().replace("0X", "0x"), 30n);
    expect(book.outstanding(client)).toBe(0n);
    expect(book.unredeemed()).toEqual([]);
    expect(book.cumulativeOf(client)).toBe(30n);
  });

  it("undoes a reservation whose request got no answer, unless a newer voucher came since", () => {
    const book = new VoucherBook();
    const releaseFirst = book.reserve(v(10n));
    const releaseSecond = book.reserve(v(20n));
    releaseFirst(); // superseded by 20: nothing to undo
    expect(book.cumulativeOf(client)).toBe(20n);
    releaseSecond(); // back to 10
    expect(book.cumulativeOf(client)).toBe(10n);
    expect(book.totalOutstanding()).toBe(10n);
  });

  it("admits by debt: a voucher arriving after a higher one is covered by it, and none pays twice", () => {
    const book = new VoucherBook();
    const p = 5n;
    // Vouchers p and 2p, delivered 2p first.
    book.admit(v(2n * p), p);
    expect(book.debtOf(client)).toBe(p);
    expect(book.heldOf(client)).toBe(2n * p);
    book.admit(v(p), p); // the caller checked: held 2p covers debt p + p
    expect(book.debtOf(client)).toBe(2n * p);
    expect(book.heldOf(client)).toBe(2n * p);
    expect(book.outstanding(client)).toBe(2n * p);
  });

  it("undoes an admission's debt, and keeps the debt at least what was redeemed", () => {
    const book = new VoucherBook();
    const release = book.admit(v(10n), 10n);
    book.admit(v(20n), 10n);
    release();
    release(); // once only
    expect(book.debtOf(client)).toBe(10n);
    expect(book.heldOf(client)).toBe(20n);
    book.markRedeemed(client, 40n);
    expect(book.debtOf(client)).toBe(40n);
  });
});
