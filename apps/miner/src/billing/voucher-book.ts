import type { Voucher } from "@noosphere/protocol";

export interface HeldVoucher {
  voucher: Voucher;
  signature: string;
  /** Who signed it (the client or a signer it authorised), when known. */
  signer?: string;
}

/** A voucher to redeem, and the cumulative total to redeem it up to: what the answered work is worth. */
export interface Redeemable extends HeldVoucher {
  upTo: bigint;
}

/** One admitted request's hold on the book: it ends answered, or released (no answer: undone). */
export interface VoucherAdmission {
  /** The request was answered: its voucher becomes redeemable. */
  answered(): void;
  /** The request got no answer: its debt and its voucher are given back. */
  release(): void;
}

/**
 * Each client's vouchers and debt, as this miner sees them. Vouchers are cumulative, so what a
 * redemption collects is the highest voucher of an answered request (memory: one per client, plus
 * the vouchers of requests still running). The debt is the cumulative amount the work admitted
 * for the client is worth (from what was redeemed on, one price per request). A request is
 * admitted while the highest voucher, running requests' included, covers the debt with it; so
 * vouchers may arrive in any order, none pays twice, and a request that gets no answer takes its
 * voucher and its price back without dropping a lower voucher that pays for another request.
 *
 * What is redeemed is what answered work earned (from what was redeemed on, one price per answered
 * request), not the held voucher's amount: a voucher signed while another request was in flight covers
 * that request too, and when it failed the client owes it nothing (the contract's `redeemUpTo`).
 */
export interface VoucherBookOptions {
  /** Told of every answered request's voucher and what answered work earned, before the answer goes out. */
  onAnswered?: (held: HeldVoucher, earned: bigint) => void;
}

export class VoucherBook {
  /** Highest voucher of an answered request (or accepted as such by `hold`), per client. */
  private readonly answered = new Map<string, HeldVoucher>();
  /** Vouchers of admitted requests not answered yet, per client. */
  private readonly running = new Map<string, HeldVoucher[]>();
  private readonly redeemed = new Map<string, bigint>();
  private readonly debt = new Map<string, bigint>();
  /** Cumulative amount answered work is worth (from what was redeemed on), per client. */
  private readonly earned = new Map<string, bigint>();

  constructor(private readonly opts: VoucherBookOptions = {}) {}

  /** Highest cumulative amount accepted from `client` (running requests' included) or known redeemed. */
  cumulativeOf(client: string): bigint {
    const held = this.heldOf(client);
    const done = this.redeemedOf(client);
    return held > done ? held : done;
  }

  /** Cumulative amount of the highest voucher from `client`, running requests' included (0 if none). */
  heldOf(client: string): bigint {
    const key = client.toLowerCase();
    let best = this.answered.get(key)?.voucher.cumulativeAmount ?? 0n;
    for (const held of this.running.get(key) ?? []) {
      if (held.voucher.cumulativeAmount > best) best = held.voucher.cumulativeAmount;
    }
    return best;
  }

  /** The highest voucher held from `client`, running requests' included. */
  bestOf(client: string): HeldVoucher | undefined {
    const key = client.toLowerCase();
    let best = this.answered.get(key);
    for (const held of this.running.get(key) ?? []) {
      if (!best || held.voucher.cumulativeAmount > best.voucher.cumulativeAmount) best = held;
    }
    return best;
  }

  /** What answered work for `client` is worth, as a cumulative amount (at least what was redeemed). */
  earnedOf(client: string): bigint {
    const key = client.toLowerCase();
    const earned = this.earned.get(key) ?? 0n;
    const done = this.redeemed.get(key) ?? 0n;
    return earned > done ? earned : done;
  }

  /** What the work admitted for `client` is worth, as a cumulative amount (at least what was redeemed). */
  debtOf(client: string): bigint {
    const key = client.toLowerCase();
    const owed = this.debt.get(key) ?? 0n;
    const done = this.redeemed.get(key) ?? 0n;
    return owed > done ? owed : done;
  }

  /**
   * Admits one request of `price` paid for by `held` (the caller checked that the highest voucher,
   * this one included, covers the debt with it): raises the debt by the price and keeps `held`
   * with the running requests until the request is answered or released.
   */
  admit(held: HeldVoucher, price: bigint): VoucherAdmission {
    const key = held.voucher.client.toLowerCase();
    this.debt.set(key, this.debtOf(key) + price);
    const running = this.running.get(key) ?? [];
    running.push(held);
    this.running.set(key, running);
    let ended = false;
    const end = () => {
      if (ended) return false;
      ended = true;
      const list = this.running.get(key) ?? [];
      list.splice(list.indexOf(held), 1);
      if (list.length === 0) this.running.delete(key);
      return true;
    };
    return {
      answered: () => {
        if (!end()) return;
        this.hold(held, this.earnedOf(key) + price);
        this.opts.onAnswered?.(this.answered.get(key)!, this.earnedOf(key));
      },
      release: () => {
        if (end()) this.debt.set(key, (this.debt.get(key) ?? 0n) - price);
      },
    };
  }

  /**
   * Keeps `held` as a voucher for answered work if it is the client's highest, and raises what the
   * answered work earned to `earned` (default: the voucher's amount; never above the highest voucher).
   */
  hold(held: HeldVoucher, earned = held.voucher.cumulativeAmount): void {
    const key = held.voucher.client.toLowerCase();
    const kept = this.answered.get(key);
    if (!kept || held.voucher.cumulativeAmount > kept.voucher.cumulativeAmount) this.answered.set(key, held);
    const cap = this.answered.get(key)!.voucher.cumulativeAmount;
    const worth = earned < cap ? earned : cap;
    if (worth > (this.earned.get(key) ?? 0n)) this.earned.set(key, worth);
    if (worth > (this.debt.get(key) ?? 0n)) this.debt.set(key, worth);
  }

  /** Highest cumulative amount known redeemed on-chain for `client`. */
  redeemedOf(client: string): bigint {
    return this.redeemed.get(client.toLowerCase()) ?? 0n;
  }

  /** Vouchers worth redeeming, each up to what its client's answered work earned above what was redeemed. */
  unredeemed(): Redeemable[] {
    return [...this.answered.entries()]
      .map(([key, held]) => ({ ...held, upTo: this.earnedOf(key) }))
      .filter((r) => r.upTo > this.redeemedOf(r.voucher.client));
  }

  markRedeemed(client: string, cumulative: bigint): void {
    const key = client.toLowerCase();
    if (cumulative > (this.redeemed.get(key) ?? 0n)) this.redeemed.set(key, cumulative);
  }

  /** Owed to this miner for answered work and not yet redeemed, per client. */
  outstanding(client: string): bigint {
    return this.earnedOf(client) - this.redeemedOf(client);
  }

  /** Owed to this miner for answered work and not yet redeemed, all clients together. */
  totalOutstanding(): bigint {
    let total = 0n;
    for (const key of this.answered.keys()) total += this.outstanding(key);
    return total;
  }
}
