import { formatEther } from "ethers";
import type { Redis } from "ioredis";
import type { Logger } from "@noosphere/node-kit";
import type { BillingAccount } from "./account";
import type { VoucherLedger } from "./ledger";

/** Sends `Billing.allotMany(client, miners, amounts)` with the gateway's key and waits for it. */
export type AllotmentWriter = (client: string, miners: string[], amounts: bigint[]) => Promise<void>;

/** A miner the gateway routes to, and the price of one of its calls. */
export interface AllotTarget {
  miner: string;
  price: bigint;
}

export interface AllotterOptions {
  ledger: VoucherLedger;
  account: BillingAccount;
  write: AllotmentWriter;
  /** The miners routed to now, with their prices (the directory and the terms). */
  targets: () => Promise<AllotTarget[]>;
  /** Shared by the gateways of one client, so only one of them allots at a time. */
  redis: Redis;
  lockKey: string;
  /** Each miner's allotment is kept at about this many calls' worth (default 10,000). */
  requestsPerMiner?: number;
  logger: Logger;
}

/**
 * Keeps each miner's allotment of the client's escrow topped up from the free balance. A miner is
 * paid only from its own allotment, so a miner whose allotment is taken gets no calls: when one has
 * less room than half its target (`requestsPerMiner` calls), the allotter moves the difference from
 * the free escrow in one `allotMany` transaction for every such miner, then re-reads the chain. One
 * gateway at a time (a Redis lock), at most one round at a time here.
 */
export class Allotter {
  private round: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: AllotterOptions) {}

  /** Tops up now, then every `intervalMs`. */
  async start(intervalMs: number): Promise<void> {
    await this.topUp();
    this.timer = setInterval(() => this.request(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Asks for a round soon (a reservation found an allotment taken); rounds never overlap. */
  request(): void {
    if (this.round) {
      this.again = true;
      return;
    }
    void this.topUp().catch((err: unknown) => this.opts.logger.warn({ err }, "allotment top-up failed"));
  }

  /** One round: allots to every miner below half its target; returns when the chain has it. */
  topUp(): Promise<void> {
    this.round ??= this.doTopUp().finally(() => {
      this.round = undefined;
      if (this.again) {
        this.again = false;
        this.request();
      }
    });
    return this.round;
  }

  private async doTopUp(): Promise<void> {
    const { redis, lockKey } = this.opts;
    // Another gateway of this client may be allotting the same free escrow: one at a time.
    const token = `${process.pid}:${Math.random()}`;
    if ((await redis.set(lockKey, token, "PX", 60_000, "NX")) !== "OK") return;
    try {
      await this.allotWhereShort();
    } finally {
      if ((await redis.get(lockKey)) === token) await redis.del(lockKey);
    }
  }

  private async allotWhereShort(): Promise<void> {
    const { ledger, account, logger } = this.opts;
    const n = BigInt(this.opts.requestsPerMiner ?? 10_000);
    const targets = await this.opts.targets();
    for (const t of targets) account.track(t.miner);
    await account.snapshot();
    let free = (await ledger.summary()).escrow ?? 0n;
    const miners: string[] = [];
    const amounts: bigint[] = [];
    for (const { miner, price } of targets) {
      const target = price * n;
      const { exposure, allotment } = await ledger.minerState(miner);
      const room = allotment > exposure ? allotment - exposure : 0n;
      if (room * 2n >= target || free === 0n) continue;
      const amount = target - room < free ? target - room : free;
      free -= amount;
      miners.push(miner);
      amounts.push(amount);
    }
    if (miners.length === 0) return;
    await this.opts.write(account.client, miners, amounts);
    logger.info(
      { miners: miners.length, allotted: formatEther(amounts.reduce((a, b) => a + b, 0n)) },
      "allotted escrow to miners",
    );
    await account.snapshot();
  }
}
