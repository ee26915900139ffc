import type { Voucher } from "@noosphere/protocol";

export interface HeldVoucher {
  voucher: Voucher;
  signature: string;
}

/**
 * The latest voucher accepted from each client, i.e. what this miner can redeem. Vouchers are
 * cumulative, so only the highest one per client matters and memory is one entry per client.
 *
 * It also keeps what each client owes for the work admitted (answered or in flight), in the
 * vouchers' cumulative terms, and admits a request when the best voucher known (held, in flight, or
 * the request's own) covers that debt plus the request's price. So requests from one client may
 * arrive in any order: a gateway signs vouchers in order but concurrent requests reach the miner
 * (and clear its chain reads) out of order, and one voucher that already covers an earlier
 * request pays for it. Memory stays one entry per client plus the requests in flight.
 */
export class VoucherBook {
  private readonly latest = new Map<string, HeldVoucher>();
  private readonly redeemed = new Map<string, bigint>();
  private readonly debt = new Map<string, bigint>();
  private readonly inFlight = new Map<string, bigint[]>();

  /** Highest cumulative amount accepted from `client` (or known redeemed on-chain). */
  cumulativeOf(client: string): bigint {
    const key = client.toLowerCase();
    const held = this.latest.get(key)?.voucher.cumulativeAmount ?? 0n;
    const done = this.redeemed.get(key) ?? 0n;
    return held > done ? held : done;
  }

  /** Owed by `client` for the work admitted so far (at least what it already redeemed or signed). */
  debtOf(client: string): bigint {
    const key = client.toLowerCase();
    const base = this.cumulativeOf(client);
    const debt = this.debt.get(key);
    const done = this.redeemed.get(key) ?? 0n;
    if (debt === undefined) return base;
    return debt > done ? debt : done;
  }

  /**
   * Admits one request paying `price` with `voucher`: the best voucher known must cover the debt
   * plus this price. On success the debt grows by the price and the voucher is in flight until
   * `accept` (answered) or `release` (failed); otherwise nothing changes and `owed` is the debt.
   */
  admit(voucher: Voucher, price: bigint): { ok: true } | { ok: false; owed: bigint } {
    const key = voucher.client.toLowerCase();
    const owed = this.debtOf(voucher.client);
    const flying = this.inFlight.get(key) ?? [];
    let best = this.latest.get(key)?.voucher.cumulativeAmount ?? 0n;
    for (const v of [...flying, voucher.cumulativeAmount]) if (v > best) best = v;
    if (best < owed + price) return { ok: false, owed };
    this.debt.set(key, owed + price);
    this.inFlight.set(key, [...flying, voucher.cumulativeAmount]);
    return { ok: true };
  }

  /** A request admitted with `voucher` failed: it is not owed, and its voucher is dropped. */
  release(voucher: Voucher, price: bigint): void {
    const key = voucher.client.toLowerCase();
    if (this.dropInFlight(key, voucher.cumulativeAmount)) {
      const debt = this.debt.get(key) ?? 0n;
      this.debt.set(key, debt > price ? debt - price : 0n);
    }
  }

  accept(held: HeldVoucher): void {
    const key = held.voucher.client.toLowerCase();
    this.dropInFlight(key, held.voucher.cumulativeAmount);
    const current = this.latest.get(key);
    if (!current || held.voucher.cumulativeAmount > current.voucher.cumulativeAmount) this.latest.set(key, held);
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

  private dropInFlight(key: string, amount: bigint): boolean {
    const flying = this.inFlight.get(key);
    const i = flying?.indexOf(amount) ?? -1;
    if (!flying || i < 0) return false;
    flying.splice(i, 1);
    if (flying.length === 0) this.inFlight.delete(key);
    return true;
  }

  /** Owed to this miner and not yet redeemed, per client. */
  outstanding(client: string): bigint {
    const key = client.toLowerCase();
    const held = this.latest.get(key)?.voucher.cumulativeAmount ?? 0n;
    const done = this.redeemed.get(key) ?? 0n;
    return held > done ? held - done : 0n;
  }
}
