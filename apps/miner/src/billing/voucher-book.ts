import type { Voucher } from "@noosphere/protocol";

export interface HeldVoucher {
  voucher: Voucher;
  signature: string;
}

/**
 * The latest voucher accepted from each client, i.e. what this miner can redeem. Vouchers are
 * cumulative, so only the highest one per client matters and memory is one entry per client.
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

  accept(held: HeldVoucher): void {
    const key = held.voucher.client.toLowerCase();
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

  /** Owed to this miner and not yet redeemed, per client. */
  outstanding(client: string): bigint {
    const key = client.toLowerCase();
    const held = this.latest.get(key)?.voucher.cumulativeAmount ?? 0n;
    const done = this.redeemed.get(key) ?? 0n;
    return held > done ? held - done : 0n;
  }
}
