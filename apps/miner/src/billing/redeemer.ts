import type { Billing } from "@noosphere/contracts";
import type { Logger } from "@noosphere/node-kit";
import type { ContractTransactionReceipt } from "ethers";
import type { MinerMetrics } from "../metrics";
import { revertName } from "./chain-view";
import type { Redeemable, VoucherBook } from "./voucher-book";

/** One voucher redeemed on-chain, with the amounts of its `Redeemed` event. */
export interface RedemptionRecord {
  client: string;
  cumulative: bigint;
  burned: bigint;
  mintedMiner: bigint;
  mintedRoyalty: bigint;
  mintedTreasury: bigint;
  txHash: string;
}

export interface RedemptionReport {
  redeemed: RedemptionRecord[];
  /** The miner's share minted by `claimEarnings`, if anything was claimed. */
  claimed?: { amount: bigint; to: string; txHash: string };
  /** Vouchers kept for a later try (e.g. an empty escrow) or given up (reason says which). */
  failed: { client: string; reason: string; dropped: boolean }[];
}

export interface VoucherRedeemerOptions {
  /** Billing connected to the miner's hotkey (only the voucher's miner may redeem it). */
  billing: Billing;
  book: VoucherBook;
  /**
   * Told what was redeemed, so access checks see it without a chain read; asked whether a client's
   * vouchers must be redeemed at once (allotment thawing, signer revoked).
   */
  chain?: {
    noteRedeemed(client: string, cumulative: bigint): void;
    redemptionDue?(client: string, signer: string): Promise<boolean>;
  };
  /** Receives the miner's minted share (default: the hotkey's owner in Staking, else the hotkey). */
  payout: () => Promise<string>;
  logger: Logger;
  metrics?: MinerMetrics;
  /** Periodic runs skip clients owing less than this (the final run on shutdown takes all). */
  minAmount?: bigint;
}

/** Reverts after which a voucher can never be redeemed: the miner stops trying. */
const HOPELESS = new Set([
  "BillingInvalidSigner",
  "BillingInvalidSignature",
  "BillingNotMiner",
  "BillingVoucherTooLarge",
  "BillingUnknownTier",
]);

/**
 * Redeems the vouchers the book holds: one `Billing.redeem` per client with unredeemed work
 * (the latest cumulative voucher covers every request since the last redemption; `redeemUpTo` what
 * the answered work earned when the voucher also covered a request that failed), then one
 * `claimEarnings` minting the miner's share. Runs on an interval and once more on shutdown; runs
 * never overlap. Between runs it checks (every `dueCheckMs`) whether a client's vouchers must be
 * redeemed at once: its allotment is thawing back to the client, or the signer was revoked.
 */
export class VoucherRedeemer {
  private running: Promise<RedemptionReport> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private dueTimer: NodeJS.Timeout | undefined;
  private readonly toClaim = new Map<string, Billing.EarningsKeyStruct>();

  constructor(private readonly opts: VoucherRedeemerOptions) {}

  /** Redeems on an interval, and what is due at once every `dueCheckMs` (in the background; failures are logged). */
  start(intervalMs: number, dueCheckMs = 15_000): void {
    if (this.timer) return;
    const every = (ms: number, mode: "periodic" | "due") => {
      const timer = setInterval(() => {
        if (this.running) return;
        this.redeem({ mode }).catch((err: unknown) => this.opts.logger.error({ err }, `${mode} redemption failed`));
      }, ms);
      timer.unref();
      return timer;
    };
    this.timer = every(intervalMs, "periodic");
    if (this.opts.chain?.redemptionDue) this.dueTimer = every(dueCheckMs, "due");
  }

  /** Stops the intervals, waits for a run in progress, and redeems everything left. */
  async stop(): Promise<RedemptionReport> {
    for (const t of [this.timer, this.dueTimer]) if (t) clearInterval(t);
    this.timer = this.dueTimer = undefined;
    return this.redeem({ mode: "all" });
  }

  /**
   * One redemption run (after the one in progress, if any): `all` redeems everything, `periodic`
   * what reaches `minAmount` or is due, `due` only what is due (allotment thawing, signer revoked).
   */
  async redeem({ mode = "all" }: { mode?: "all" | "periodic" | "due" } = {}): Promise<RedemptionReport> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = this.run(mode);
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  private async run(mode: "all" | "periodic" | "due"): Promise<RedemptionReport> {
    const { book, logger } = this.opts;
    const minAmount = this.opts.minAmount ?? 1n;
    const report: RedemptionReport = { redeemed: [], failed: [] };
    for (const held of book.unredeemed()) {
      const large = book.outstanding(held.voucher.client) >= minAmount;
      if (mode === "periodic" && !large && !(await this.due(held))) continue;
      if (mode === "due" && !(await this.due(held))) continue;
      await this.redeemOne(held, report);
    }
    if (this.toClaim.size > 0) await this.claim(report);
    if (report.redeemed.length > 0 || report.failed.length > 0) {
      const burned = report.redeemed.reduce((sum, r) => sum + r.burned, 0n);
      logger.info(
        {
          redeemed: report.redeemed.length,
          failed: report.failed.length,
          burned: burned.toString(),
          claimed: report.claimed?.amount.toString(),
        },
        "redemption run done",
      );
    }
    return report;
  }

  /** Whether `held`'s client must be paid now (false when the chain cannot tell: the periodic run will). */
  private async due(held: Redeemable): Promise<boolean> {
    const check = this.opts.chain?.redemptionDue;
    if (!check) return false;
    try {
      return await check.call(this.opts.chain, held.voucher.client, held.signer ?? held.voucher.client);
    } catch {
      return false;
    }
  }

  private async redeemOne(held: Redeemable, report: RedemptionReport): Promise<void> {
    const { billing, book, chain, logger, metrics } = this.opts;
    const { voucher, signature, upTo } = held;
    try {
      const v = {
        client: voucher.client,
        miner: voucher.miner,
        netuid: voucher.netuid,
        tier: voucher.tier,
        model: voucher.model,
        cumulativeAmount: voucher.cumulativeAmount,
      };
      // What the answered work earned: less than the voucher when it also covered a request that failed.
      const tx =
        upTo < voucher.cumulativeAmount
          ? await billing.redeemUpTo(v, signature, upTo)
          : await billing.redeem(v, signature);
      const receipt = await tx.wait();
      if (!receipt || receipt.status !== 1) throw new Error(`redeem transaction ${tx.hash} failed`);
      const record = this.redeemedEvent(receipt, voucher.client, upTo);
      report.redeemed.push(record);
      book.markRedeemed(voucher.client, upTo);
      chain?.noteRedeemed(voucher.client, upTo);
      metrics?.redeemed.inc(Number(record.burned) / 1e18);
      this.toClaim.set(`${voucher.client.toLowerCase()}:${voucher.netuid}:${voucher.tier}`, {
        client: voucher.client,
        netuid: voucher.netuid,
        tier: voucher.tier,
      });
      logger.info(
        {
          client: voucher.client,
          cumulative: upTo.toString(),
          voucher: voucher.cumulativeAmount.toString(),
          burned: record.burned.toString(),
          mintedMiner: record.mintedMiner.toString(),
          mintedRoyalty: record.mintedRoyalty.toString(),
          mintedTreasury: record.mintedTreasury.toString(),
          txHash: record.txHash,
        },
        "voucher redeemed",
      );
    } catch (err) {
      const name = revertName(billing, err);
      if (name === "BillingVoucherNotNewer") {
        // Redeemed already (a previous run whose receipt was lost): catch up with the chain.
        const done = await billing.redeemed(voucher.client, voucher.miner, voucher.netuid, voucher.tier);
        book.markRedeemed(voucher.client, done);
        chain?.noteRedeemed(voucher.client, done);
        return;
      }
      const dropped = name !== undefined && HOPELESS.has(name);
      if (dropped) book.markRedeemed(voucher.client, upTo);
      const reason = name ?? (err as { shortMessage?: string }).shortMessage ?? (err as Error).message;
      report.failed.push({ client: voucher.client, reason, dropped });
      const log = { client: voucher.client, cumulative: upTo.toString(), reason };
      if (dropped) logger.error(log, "voucher cannot be redeemed: given up");
      else logger.warn(log, "voucher not redeemed: will retry");
    }
  }

  private async claim(report: RedemptionReport): Promise<void> {
    const { billing, logger } = this.opts;
    const keys = [...this.toClaim.values()];
    try {
      const to = await this.opts.payout();
      const tx = await billing.claimEarnings(keys, to);
      const receipt = await tx.wait();
      if (!receipt || receipt.status !== 1) throw new Error(`claim transaction ${tx.hash} failed`);
      this.toClaim.clear();
      let amount = 0n;
      for (const log of receipt.logs) {
        const parsed = parse(billing, log);
        if (parsed?.name === "Claimed") amount += parsed.args.getValue("amount") as bigint;
      }
      report.claimed = { amount, to, txHash: receipt.hash };
      logger.info({ amount: amount.toString(), to, txHash: receipt.hash, keys: keys.length }, "earnings claimed");
    } catch (err) {
      if (revertName(billing, err) === "BillingNothingToClaim") {
        this.toClaim.clear();
        return;
      }
      logger.warn(
        { err: (err as { shortMessage?: string }).shortMessage ?? (err as Error).message },
        "claiming earnings failed: will retry",
      );
    }
  }

  private redeemedEvent(receipt: ContractTransactionReceipt, client: string, cumulative: bigint): RedemptionRecord {
    for (const log of receipt.logs) {
      const parsed = parse(this.opts.billing, log);
      if (parsed?.name !== "Redeemed") continue;
      const a = parsed.args;
      return {
        client,
        cumulative,
        burned: a.getValue("burned") as bigint,
        mintedMiner: a.getValue("mintedMiner") as bigint,
        mintedRoyalty: a.getValue("mintedRoyalty") as bigint,
        mintedTreasury: a.getValue("mintedTreasury") as bigint,
        txHash: receipt.hash,
      };
    }
    throw new Error(`no Redeemed event in transaction ${receipt.hash}`);
  }
}

function parse(billing: Billing, log: { address: string; topics: readonly string[]; data: string }) {
  if (log.address.toLowerCase() !== String(billing.target).toLowerCase()) return null;
  try {
    return billing.interface.parseLog({ topics: [...log.topics], data: log.data });
  } catch {
    return null;
  }
}
