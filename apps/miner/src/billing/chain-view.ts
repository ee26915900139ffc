import type { Billing, SubnetRegistry } from "@noosphere/contracts";
import type { CallLimits } from "../tasks/task";
import type { MinerChainView, ReadOptions } from "./access";
import { TtlCache } from "./ttl-cache";

/** The chain could not be read (RPC down, timeout): the request gets a 503 and may be retried. */
export class ChainUnavailableError extends Error {
  override readonly name = "ChainUnavailableError";
}

/** Governance has set no price (or no NOOS/USD rate) for this miner's subnet and tier. */
export class NotPricedError extends Error {
  override readonly name = "NotPricedError";
}

export interface ChainViewTtls {
  /** Validator permits of the subnet (one `neurons` and one `validatorPermits` call per refresh). */
  permitsMs: number;
  /** This miner's allotments of clients' escrows. */
  escrowMs: number;
  /** Authorised signers (a revocation takes a delay of hours on-chain, so seconds are safe). */
  signersMs: number;
  /** Price and per-call limits of (netuid, tier). */
  priceMs: number;
  /** What this miner redeemed from a client: only this miner changes it, and it tells the view. */
  redeemedMs: number;
  /** A refusal re-reads the chain, but not more often than this per key (so strangers cost no RPC). */
  recheckMs: number;
}

/** How old a cached value may be and still be served while it is re-read. */
const STALE_MS = 60_000;

/** How recent a fresh read of an allotment must be (see `allotment`). */
const ALLOTMENT_RECHECK_MS = 200;

export const DEFAULT_CHAIN_VIEW_TTLS: ChainViewTtls = {
  permitsMs: 12_000,
  escrowMs: 5_000,
  signersMs: 30_000,
  priceMs: 30_000,
  redeemedMs: 300_000,
  recheckMs: 2_000,
};

export interface ContractChainViewOptions {
  subnets: SubnetRegistry;
  billing: Billing;
  netuid: number;
  tier: number;
  /** This miner's hotkey. */
  miner: string;
  ttls?: Partial<ChainViewTtls>;
  now?: () => number;
}

/**
 * `MinerChainView` over the SubnetRegistry and Billing contracts, with short caches: the permit
 * set (all permitted validator hotkeys at once), escrows, signers, price and limits. A request
 * whose answers are cached costs no RPC; a refusal is re-checked against the chain at most once
 * per `recheckMs`, so a client that just deposited is served without waiting for the TTL.
 */
export class ContractChainView implements MinerChainView {
  readonly ttls: ChainViewTtls;
  private readonly permits: TtlCache<"permits", Set<string>>;
  private readonly escrows: TtlCache<string, { amount: bigint; thawing: bigint }>;
  private readonly redeemed: TtlCache<string, bigint>;
  private readonly signers: TtlCache<string, boolean>;
  private readonly pricing: TtlCache<"price" | "limits", bigint | CallLimits>;
  /** Chain reads made (for tests and metrics). */
  reads = 0;

  constructor(private readonly opts: ContractChainViewOptions) {
    this.ttls = { ...DEFAULT_CHAIN_VIEW_TTLS, ...opts.ttls };
    const now = opts.now ?? Date.now;
    // Past their TTL, values up to a minute old are served while one reload runs: a chain that pauses
    // costs requests nothing until then (a refusal's forced re-read still waits for the chain).
    this.permits = new TtlCache(this.ttls.permitsMs, 1, now, STALE_MS);
    this.escrows = new TtlCache(this.ttls.escrowMs, 10_000, now, STALE_MS);
    this.redeemed = new TtlCache(this.ttls.redeemedMs, 10_000, now, STALE_MS);
    this.signers = new TtlCache(this.ttls.signersMs, 10_000, now, STALE_MS);
    this.pricing = new TtlCache(this.ttls.priceMs, 2, now, STALE_MS);
  }

  async isPermittedValidator(caller: string, opts: ReadOptions = {}): Promise<boolean> {
    const maxAge = opts.fresh ? this.ttls.recheckMs : this.ttls.permitsMs;
    const set = await this.permits.get("permits", () => this.loadPermits(), maxAge);
    return set.has(caller.toLowerCase());
  }

  /** What this miner can count on from `client`: its allotment less the part the client asked back. */
  async allotmentOf(client: string, opts: ReadOptions = {}): Promise<bigint> {
    const { amount, thawing } = await this.allotment(client, opts);
    return amount - thawing;
  }

  /** This miner's allotment of `client`'s escrow, and the part thawing back to the client. */
  allotment(client: string, opts: ReadOptions = {}): Promise<{ amount: bigint; thawing: bigint }> {
    // Only callers whose voucher an active signer signed get here: a fresh read (a top-up the gateway
    // just made) need not wait for the stranger-proof recheck period.
    const maxAge = opts.fresh ? ALLOTMENT_RECHECK_MS : this.ttls.escrowMs;
    return this.escrows.get(
      client.toLowerCase(),
      async () => {
        const [amount, thawing] = await this.read(() => this.opts.billing.allotmentOf(client, this.opts.miner));
        return { amount, thawing };
      },
      maxAge,
    );
  }

  async redeemedFrom(client: string): Promise<bigint> {
    const { billing, miner, netuid, tier } = this.opts;
    return this.redeemed.get(client.toLowerCase(), () =>
      this.read(() => billing.redeemed(client, miner, netuid, tier)),
    );
  }

  async isActiveSigner(client: string, signer: string, opts: ReadOptions = {}): Promise<boolean> {
    const maxAge = opts.fresh ? this.ttls.recheckMs : this.ttls.signersMs;
    return this.signers.get(
      `${client.toLowerCase()}:${signer.toLowerCase()}`,
      async () => (await this.read(() => this.opts.billing.signerStatus(client, signer)))[0],
      maxAge,
    );
  }

  /**
   * Whether what this miner holds from `client` must be redeemed now rather than at the next periodic
   * run: part of its allotment is thawing back to the client, or the voucher's signer was revoked (its
   * vouchers stop being redeemable after a delay). Reads the chain (at most every `recheckMs`).
   */
  async redemptionDue(client: string, signer: string): Promise<boolean> {
    const { thawing } = await this.allotment(client, { fresh: true });
    if (thawing > 0n) return true;
    if (signer.toLowerCase() === client.toLowerCase()) return false;
    return !(await this.isActiveSigner(client, signer, { fresh: true }));
  }

  async pricePerRequest(): Promise<bigint> {
    const { billing, netuid, tier } = this.opts;
    return (await this.pricing.get("price", async () => {
      try {
        return await this.read(() => billing.priceInNoos(netuid, tier));
      } catch (err) {
        const name = revertName(billing, err);
        if (name === "BillingPriceNotSet" || name === "BillingRateNotSet") {
          throw new NotPricedError(
            `governance has set no price for netuid ${netuid} tier ${tier} (${name}); only validators are served`,
          );
        }
        throw err;
      }
    })) as bigint;
  }

  async limits(): Promise<CallLimits> {
    const { billing, netuid, tier } = this.opts;
    return (await this.pricing.get("limits", async () => {
      const [, maxInputTokens, maxOutputTokens] = await this.read(() => billing.tierPrice(netuid, tier));
      return { maxInputTokens: Number(maxInputTokens), maxOutputTokens: Number(maxOutputTokens) };
    })) as CallLimits;
  }

  /** Called after this miner redeemed: the on-chain cumulative for `client` is now `cumulative`. */
  noteRedeemed(client: string, cumulative: bigint): void {
    const key = client.toLowerCase();
    const known = this.redeemed.peek(key) ?? 0n;
    if (cumulative > known) this.redeemed.set(key, cumulative);
    this.escrows.delete(key);
  }

  /** Forgets everything cached (e.g. after a chain reorganisation or in tests). */
  clear(): void {
    for (const c of [this.permits, this.escrows, this.redeemed, this.signers, this.pricing]) c.clear();
  }

  private async loadPermits(): Promise<Set<string>> {
    const { subnets, netuid } = this.opts;
    const [[hotkeys], permits] = await Promise.all([
      this.read(() => subnets.neurons(netuid)),
      this.read(() => subnets.validatorPermits(netuid)),
    ]);
    const set = new Set<string>();
    permits.forEach((permitted, uid) => {
      const hotkey = hotkeys[uid];
      if (permitted && hotkey !== undefined) set.add(hotkey.toLowerCase());
    });
    return set;
  }

  /** One chain read; transport failures become ChainUnavailableError, reverts pass through. */
  private async read<T>(call: () => Promise<T>): Promise<T> {
    this.reads++;
    try {
      return await call();
    } catch (err) {
      if ((err as { code?: string }).code === "CALL_EXCEPTION") throw err;
      throw new ChainUnavailableError(
        `cannot read the chain: ${(err as { shortMessage?: string }).shortMessage ?? (err as Error).message}`,
      );
    }
  }
}

/** Name of the custom error a contract call reverted with, if it can be decoded. */
export function revertName(
  contract: { interface: Billing["interface"] | SubnetRegistry["interface"] },
  err: unknown,
): string | undefined {
  const data = (err as { data?: string }).data ?? (err as { info?: { error?: { data?: string } } }).info?.error?.data;
  if (typeof data !== "string") return (err as { revert?: { name?: string } }).revert?.name;
  try {
    return contract.interface.parseError(data)?.name;
  } catch {
    return undefined;
  }
}
