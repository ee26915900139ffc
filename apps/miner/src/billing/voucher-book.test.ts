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
  it("keeps the highest voucher of answered work per client and what is still owed", () => {
    const book = new VoucherBook();
    book.hold(v(10n));
    book.hold(v(30n));
    book.hold(v(20n)); // lower: ignored
    expect(book.cumulativeOf(client)).toBe(30n);
    expect(book.unredeemed().map((h) => h.voucher.cumulativeAmount)).toEqual([30n]);
    book.markRedeemed(client.toUpperCase().replace("0X", "0x"), 30n);
    expect(book.outstanding(client)).toBe(0n);
    expect(book.unredeemed()).toEqual([]);
    expect(book.cumulativeOf(client)).toBe(30n);
  });

  it("makes a running request's voucher redeemable only once it is answered", () => {
    const book = new VoucherBook();
    const first = book.admit(v(10n), 10n);
    expect(book.heldOf(client)).toBe(10n); // covers admissions meanwhile
    expect(book.unredeemed()).toEqual([]);
    expect(book.totalOutstanding()).toBe(0n);
    first.answered();
    first.release(); // ended already: nothing to undo
    expect(book.unredeemed().map((h) => h.voucher.cumulativeAmount)).toEqual([10n]);
    expect(book.debtOf(client)).toBe(10n);
  });

  it("admits by debt: a voucher arriving after a higher one is covered by it, and none pays twice", () => {
    const book = new VoucherBook();
    const p = 5n;
    // Vouchers p and 2p, delivered 2p first.
    const a = book.admit(v(2n * p), p);
    expect(book.debtOf(client)).toBe(p);
    expect(book.heldOf(client)).toBe(2n * p);
    const b = book.admit(v(p), p); // the caller checked: held 2p covers debt p + p
    expect(book.debtOf(client)).toBe(2n * p);
    expect(book.heldOf(client)).toBe(2n * p);
    b.answered();
    a.answered();
    expect(book.outstanding(client)).toBe(2n * p);
  });

  it("keeps the lower voucher that pays for an answered request when the higher one's request fails", () => {
    const book = new VoucherBook();
    const p = 5n;
    const a = book.admit(v(2n * p), p); // arrived first
    const b = book.admit(v(p), p); // covered by a's voucher when admitted
    b.answered();
    a.release(); // a got no answer: its voucher and price go back, b's voucher pays for b
    expect(book.debtOf(client)).toBe(p);
    expect(book.heldOf(client)).toBe(p);
    expect(book.unredeemed().map((h) => h.voucher.cumulativeAmount)).toEqual([p]);
  });

  it("gives back a released request's debt and voucher once, and keeps the debt at least what was redeemed", () => {
    const book = new VoucherBook();
    const first = book.admit(v(10n), 10n);
    const second = book.admit(v(20n), 10n);
    first.release();
    first.release(); // once only
    expect(book.debtOf(client)).toBe(10n);
    expect(book.heldOf(client)).toBe(20n);
    second.release();
    expect(book.debtOf(client)).toBe(0n);
    expect(book.heldOf(client)).toBe(0n);
    book.markRedeemed(client, 40n);
    expect(book.debtOf(client)).toBe(40n);
  });

  it("redeems up to what answered work earned when the voucher also covered a request that failed", () => {
    const book = new VoucherBook();
    const p = 5n;
    const a = book.admit(v(p), p);
    const b = book.admit(v(2n * p), p); // signed while a was in flight
    a.release(); // a got no answer: the client owes nothing for it
    b.answered();
    expect(book.unredeemed().map((r) => [r.voucher.cumulativeAmount, r.upTo])).toEqual([[2n * p, p]]);
    expect(book.outstanding(client)).toBe(p);
    const c = book.admit(v(2n * p), p); // the gap is filled by the next request at the same voucher
    c.answered();
    expect(book.unredeemed().map((r) => r.upTo)).toEqual([2n * p]);
    book.markRedeemed(client, p); // a partial redemption earlier on
    expect(book.outstanding(client)).toBe(p);
  });

  it("bestOf is the highest voucher held, a running request's included", () => {
    const book = new VoucherBook();
    book.admit(v(10n), 10n).answered();
    const running = book.admit(v(25n), 10n);
    expect(book.bestOf(client)?.voucher.cumulativeAmount).toBe(25n);
    running.release();
    expect(book.bestOf(client)?.voucher.cumulativeAmount).toBe(10n);
    expect(book.bestOf("0x00000000000000000000000000000000000000c2")).toBeUndefined();
  });
});
