import { Wallet } from "ethers";
import type { Voucher } from "@noosphere/protocol";
import { VoucherBook } from "./voucher-book";

const client = Wallet.createRandom().address;
const miner = Wallet.createRandom().address;
const voucher = (cumulativeAmount: bigint): Voucher => ({
  client,
  miner,
  netuid: 1,
  tier: 0,
  model: `0x${"00".repeat(32)}`,
  cumulativeAmount,
});
const held = (amount: bigint) => ({ voucher: voucher(amount), signature: "0x" });

describe("voucher book", () => {
  it("admits each request only when the best voucher covers the debt plus its price", () => {
    const book = new VoucherBook();
    expect(book.admit(voucher(9n), 10n)).toEqual({ ok: false, owed: 0n });
    expect(book.admit(voucher(10n), 10n)).toEqual({ ok: true });
    expect(book.debtOf(client)).toBe(10n);
    expect(book.admit(voucher(10n), 10n)).toEqual({ ok: false, owed: 10n }); // a replayed amount adds nothing
    book.accept(held(10n));
    expect(book.admit(voucher(20n), 10n)).toEqual({ ok: true });
    expect(book.outstanding(client)).toBe(10n);
  });

  it("admits concurrent requests in any order: a higher voucher in flight pays for a lower one", () => {
    const book = new VoucherBook();
    // The gateway signed 10, 20, 30 in order; they arrive 30, 10, 20.
    expect(book.admit(voucher(30n), 10n)).toEqual({ ok: true });
    expect(book.admit(voucher(10n), 10n)).toEqual({ ok: true });
    book.accept(held(30n));
    expect(book.admit(voucher(20n), 10n)).toEqual({ ok: true });
    book.accept(held(10n));
    book.accept(held(20n));
    expect(book.debtOf(client)).toBe(30n);
    expect(book.cumulativeOf(client)).toBe(30n); // three answers, three prices: nothing over or under
    expect(book.admit(voucher(30n), 10n)).toEqual({ ok: false, owed: 30n });
  });

  it("forgets a failed request's debt and voucher", () => {
    const book = new VoucherBook();
    expect(book.admit(voucher(10n), 10n)).toEqual({ ok: true });
    expect(book.admit(voucher(20n), 10n)).toEqual({ ok: true });
    book.release(voucher(20n), 10n); // the second failed before answering
    book.release(voucher(20n), 10n); // a second release of the same request changes nothing
    expect(book.debtOf(client)).toBe(10n);
    book.accept(held(10n));
    expect(book.unredeemed().map((h) => h.voucher.cumulativeAmount)).toEqual([10n]);
    // The next request is covered by 20: the failed one's voucher was never kept.
    expect(book.admit(voucher(19n), 10n)).toEqual({ ok: false, owed: 10n });
    expect(book.admit(voucher(20n), 10n)).toEqual({ ok: true });
  });

  it("starts the debt from what the chain says was redeemed", () => {
    const book = new VoucherBook();
    book.markRedeemed(client, 100n);
    expect(book.admit(voucher(105n), 10n)).toEqual({ ok: false, owed: 100n });
    expect(book.admit(voucher(110n), 10n)).toEqual({ ok: true });
  });
});
