import { ZeroAddress } from "ethers";
import type { Provider } from "ethers";
import { Billing__factory } from "@noosphere/contracts";
import type { Billing } from "@noosphere/contracts";
import type { BillingRow } from "../shared/types";

/** One `Redeemed` event: what a miner's redemption burned from a client and minted back. */
export interface RedemptionRecord {
  block: number;
  week: number;
  client: string;
  miner: string;
  burned: bigint;
  /** Minted to the miner (royalty and treasury shares are not the miner's). */
  mintedMiner: bigint;
  /** Minted in all: miner + model royalty + treasury. */
  minted: bigint;
}

export interface BillingTotals {
  burned: bigint;
  minted: bigint;
}

/** Blocks asked of eth_getLogs at once (public RPCs cap the range). */
const LOG_RANGE = 10_000;

/**
 * Burns and mints of the Billing contract from its `Redeemed` events, read once and then
 * incrementally (each call scans only the blocks it has not seen), so polling stays cheap.
 * Amounts are booked at redemption: the token burn itself is settled lazily by the contract.
 */
export class BillingView {
  private readonly contract: Billing | undefined;
  private readonly records: RedemptionRecord[] = [];
  private scannedTo: number;
  private scanning: Promise<void> | undefined;

  constructor(
    private readonly provider: Provider,
    address: string,
    fromBlock: number,
  ) {
    this.contract = address === ZeroAddress ? undefined : Billing__factory.connect(address, provider);
    this.scannedTo = fromBlock - 1;
  }

  /** Every redemption so far, oldest first. */
  async redemptions(): Promise<readonly RedemptionRecord[]> {
    await this.catchUp();
    return this.records;
  }

  /** Burned and minted by redemptions in blocks >= fromBlock. */
  async totalsSince(fromBlock: number): Promise<BillingTotals> {
    const totals = { burned: 0n, minted: 0n };
    for (const r of await this.redemptions()) {
      if (r.block < fromBlock) continue;
      totals.burned += r.burned;
      totals.minted += r.minted;
    }
    return totals;
  }

  /** Burned per client and burned/minted per miner, per week (Billing's week: timestamp / 7 days), newest week first. */
  async weekly(): Promise<BillingRow[]> {
    const rows = new Map<string, BillingRow>();
    const add = (week: number, party: string, role: BillingRow["role"], burned: bigint, minted: bigint) => {
      const key = `${week}:${role}:${party}`;
      const row = rows.get(key) ?? { week, party, role, burned: "0", minted: "0", requests: 0 };
      row.burned = (BigInt(row.burned) + burned).toString();
      row.minted = (BigInt(row.minted) + minted).toString();
      row.requests += 1;
      rows.set(key, row);
    };
    for (const r of await this.redemptions()) {
      add(r.week, r.client, "client", r.burned, 0n);
      add(r.week, r.miner, "miner", r.burned, r.mintedMiner);
    }
    return [...rows.values()].sort(
      (a, b) => b.week - a.week || a.role.localeCompare(b.role) || Number(BigInt(b.burned) - BigInt(a.burned)),
    );
  }

  private catchUp(): Promise<void> {
    // One scan at a time: concurrent page polls share it instead of double-counting events.
    this.scanning ??= this.scan().finally(() => {
      this.scanning = undefined;
    });
    return this.scanning;
  }

  private async scan(): Promise<void> {
    if (!this.contract) return;
    const head = await this.provider.getBlockNumber();
    while (this.scannedTo < head) {
      const from = this.scannedTo + 1;
      const to = Math.min(head, from + LOG_RANGE - 1);
      const events = await this.contract.queryFilter(this.contract.filters.Redeemed(), from, to);
      for (const e of events) {
        const a = e.args;
        this.records.push({
          block: e.blockNumber,
          week: Number(a.week),
          client: a.client,
          miner: a.miner,
          burned: a.burned,
          mintedMiner: a.mintedMiner,
          minted: a.mintedMiner + a.mintedRoyalty + a.mintedTreasury,
        });
      }
      this.scannedTo = to;
    }
  }
}
