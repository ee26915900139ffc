import type { Voucher } from "@noosphere/protocol";

export interface HeldVoucher {
  voucher: Voucher;
  signature: string;
}

/**
 * The highest voucher accepted from each client, i.e. what this miner can redeem, and the debt:
 * the cumulative amount the work admitted for the client is worth (from what was redeemed on, one
 * price per request). Vouchers are cumulative, so only the highest one per client matters and
 * memory is one entry per client. A request is admitted while the highest voucher (held, or its
 * own) covers the debt with it; so vouchers may arrive in any order, and none pays twice. An
 * admission is undone if its request ends without an answer.
 */
export class VoucherBook {
  private readonly latest = new Map<string, HeldVoucher>();
  private readonly redeemed = new Map<string, bigint>();
  private readonly debt = new Map<string, bigint>();

  /** Highest cumulative amount accepted from `client` (or known redeemed on-chain). */
  cumulativeOf(client: string): bigint {
    const key = client.toLowerCase();
    const held = this.latest.get(key)?.voucher.cumulativeAmount ?? 0n;
    const done = this.redeemed.get(key) ?? 0n;
    return held > done ? held : done;
  }

  /** Cumulative amount of the highest voucher held from `client` (0 if none). */
  heldOf(client: string): bigint {
    return this.latest.get(client.toLowerCase())?.voucher.cumulativeAmount ?? 0n;
  }

  /** What the work admitted for `client` is worth, as a cumulative amount (at least what was redeemed). */
  debtOf(client: string): bigint {
    const key = client.toLowerCase();
    const owed = this.debt.get(key) ?? 0n;
    const done = this.redeemed.get(key) ?? 0n;
    return owed > done ? owed : done;
  }

  /**
   * Admits one request of `price` paid for by `held` (the caller checked that the higher of it and
   * the voucher held covers the debt with it): raises the debt by the price and keeps `held` if it
   * is higher. Returns a function that undoes this (the request failed before its answer).
   */
  admit(held: HeldVoucher, price: bigint): () => void {
    const key = held.voucher.client.toLowerCase();
    this.debt.set(key, this.debtOf(key) + price);
    const undoHeld = this.reserve(held);
    let undone = false;
    return () => {
      if (undone) return;
      undone = true;
      this.debt.set(key, (this.debt.get(key) ?? 0n) - price);
      undoHeld();
    };
  }

  /** Highest cumulative amount known redeemed on-chain for `client`. */
  redeemedOf(client: string): bigint {
    return this.redeemed.get(client.toLowerCase()) ?? 0n;
  }

  /**
   * Makes `held` the client's latest voucher if it is higher; returns a function that undoes
   * this if nothing newer was accepted meanwhile (the request failed before its answer).
   */
  reserve(held: HeldVoucher): () => void {
    const key = held.voucher.client.toLowerCase();
    const previous = this.latest.get(key);
    if (previous && previous.voucher.cumulativeAmount >= held.voucher.cumulativeAmount) return () => undefined;
    this.latest.set(key, held);
    return () => {
      if (this.latest.get(key) !== held) return;
      if (previous) this.latest.set(key, previous);
      else this.latest.delete(key);
    };
  }

  /** Vouchers worth redeeming: above what was already redeemed. */
  unredeemed(): HeldVoucher[] {
    return [...this.latest.entries()]
      .filter(([key, held]) => held.voucher.cumulativeAmount > (this.redeemed.get(key) ?? 0n))
      .map(([, held]) => held);
  }

  markRedeemed(client: string, cumulative: bigint): void {
    const key = client.toLowerCase();
    if (cumulative > (this.redeemed.get(key) ?? 0n)) this.redeemed.set(key, cumulative);
  }

  /** Owed to this miner and not yet redeemed, per client. */
  outstanding(client: string): bigint {
    const key = client.toLowerCase();
    const held = this.latest.get(key)?.voucher.cumulativeAmount ?? 0n;
    const done = this.redeemed.get(key) ?? 0n;
    return held > done ? held - done : 0n;
  }

  /** Owed to this miner and not yet redeemed, all clients together. */
  totalOutstanding(): bigint {
    let total = 0n;
    for (const key of this.latest.keys()) total += this.outstanding(key);
    return total;
  }
}
