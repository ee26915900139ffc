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
 *
 * Allotted escrow belongs to one miner until it thaws back, so a scarce escrow is not spread: while
 * the free escrow cannot fill every miner, a periodic round only tops up miners already in use, and
 * a round asked for by a request (`topUp(prefer)`) fills the miners that can answer it first.
 */
export class Allotter {
  private round: Promise<void> | undefined;
  private again: readonly string[] | undefined;
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

  /** Asks for a round soon (a reservation found `prefer`'s allotments taken); rounds never overlap. */
  request(prefer?: readonly string[]): void {
    if (this.round) {
      this.again = [...(this.again ?? []), ...(prefer ?? [])];
      return;
    }
    void this.topUp(prefer).catch((err: unknown) => this.opts.logger.warn({ err }, "allotment top-up failed"));
  }

  /**
   * One round: allots to every miner below half its target, `prefer`'s first (the miners a waiting
   * request can go to); returns when the chain has it.
   */
  topUp(prefer?: readonly string[]): Promise<void> {
    // A round already running may not have had these miners first: wait for it, then one for them.
    if (this.round && prefer) return this.round.then(() => this.topUp(prefer));
    this.round ??= this.doTopUp(prefer).finally(() => {
      this.round = undefined;
      const again = this.again;
      this.again = undefined;
      if (again) this.request(again.length > 0 ? again : undefined);
    });
    return this.round;
  }

  private async doTopUp(prefer?: readonly string[]): Promise<void> {
    const { redis, lockKey } = this.opts;
    // Another gateway of this client may be allotting the same free escrow: one at a time.
    const token = `${process.pid}:${Math.random()}`;
    if ((await redis.set(lockKey, token, "PX", 60_000, "NX")) !== "OK") return;
    try {
      await this.allotWhereShort(prefer);
    } finally {
      if ((await redis.get(lockKey)) === token) await redis.del(lockKey);
    }
  }

  private async allotWhereShort(prefer?: readonly string[]): Promise<void> {
    const { ledger, account, logger } = this.opts;
    const n = BigInt(this.opts.requestsPerMiner ?? 10_000);
    const rank = (m: string) => {
      const i = prefer?.findIndex((p) => p.toLowerCase() === m.toLowerCase()) ?? -1;
      return i < 0 ? Infinity : i;
    };
    const targets = [...(await this.opts.targets())].sort((a, b) => rank(a.miner) - rank(b.miner));
    for (const t of targets) account.track(t.miner);
    await account.freshSnapshot();
    let free = (await ledger.summary()).escrow ?? 0n;
    const wants: { miner: string; deficit: bigint; inUse: boolean }[] = [];
    for (const { miner, price } of targets) {
      const target = price * n;
      const { exposure, allotment } = await ledger.minerState(miner);
      const room = allotment > exposure ? allotment - exposure : 0n;
      if (room * 2n < target) wants.push({ miner, deficit: target - room, inUse: allotment > 0n || exposure > 0n });
    }
    const scarce = wants.reduce((sum, w) => sum + w.deficit, 0n) > free;
    const miners: string[] = [];
    const amounts: bigint[] = [];
    for (const w of wants) {
      if (free === 0n) break;
      if (scarce && prefer === undefined && !w.inUse) continue; // do not strand a scarce escrow
      const amount = w.deficit < free ? w.deficit : free;
      free -= amount;
      miners.push(w.miner);
      amounts.push(amount);
    }
    if (miners.length === 0) return;
    try {
      await this.opts.write(account.client, miners, amounts);
    } catch (err) {
      logger.warn(
        { err: (err as { shortMessage?: string }).shortMessage ?? (err as Error).message },
        "allotting failed",
      );
      throw err;
    }
    logger.info(
      { miners: miners.length, allotted: formatEther(amounts.reduce((a, b) => a + b, 0n)) },
      "allotted escrow to miners",
    );
    await account.freshSnapshot();
  }
}
