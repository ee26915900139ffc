import type { Voucher } from "@noosphere/protocol";

export interface HeldVoucher {
  voucher: Voucher;
  signature: string;
}

/**
 * The latest voucher accepted from each client, i.e. what this miner can redeem. Vouchers are
 * cumulative, so only the highest one per client matters and memory is one entry per client.
 * A voucher is reserved when its request is admitted (so two concurrent requests cannot pay
 * with the same amount) and released if the request ends without an answer.
 */
export class VoucherBook {
  private readonly latest = new Map<string, HeldVoucher>();
  private readonly redeemed = new Map<string, bigint>();

  /** Highest cumulative amount accepted from `client` (or known redeemed on-chain). */
  cumulativeOf(client: string): bigint {
    const key = client.toLowerCase();
    const held = this.latest.get(key)?.voucher.cumulativeAmount ?? 0n;
    const done = this.redeemed.get(key) ?? 0n;
    return held > done ? held : done;
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
