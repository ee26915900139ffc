import { decodeVoucherHeader, encodeVoucherHeader } from "@noosphere/protocol";
import { MinerHttpError } from "../errors";
import type { CallLimits } from "../tasks/task";
import type { HeldVoucher, VoucherAdmission, VoucherBook } from "./voucher-book";
import type { VoucherVerifier } from "./voucher-verifier";

export interface ReadOptions {
  /** Re-read the chain unless the cached value is very recent (used before refusing a caller). */
  fresh?: boolean;
}

/** What the miner needs to know from the chain to decide whom it serves. */
export interface MinerChainView {
  /** True if `caller` is a validator holding a permit on this miner's subnet. */
  isPermittedValidator(caller: string, opts?: ReadOptions): Promise<boolean>;
  /**
   * What this miner may count on redeeming from `client`: its allotment of the client's escrow less
   * the part thawing back to the client (other miners' allotments and the free balance are not its).
   */
  allotmentOf(client: string, opts?: ReadOptions): Promise<bigint>;
  /** Cumulative amount this miner already redeemed from `client` on its (netuid, tier). */
  redeemedFrom(client: string): Promise<bigint>;
  /**
   * True if `signer` may sign vouchers for `client` with no revocation pending: a revoked signer's
   * vouchers stop being redeemable after a delay, so new work on them could go unpaid.
   */
  isActiveSigner(client: string, signer: string, opts?: ReadOptions): Promise<boolean>;
  /** NOOS (1e18 units) charged per request on this miner's (netuid, tier). */
  pricePerRequest(): Promise<bigint>;
  /** Per-call limits governance set for this miner's (netuid, tier). */
  limits(): Promise<CallLimits>;
}

/** Whom a request is served for; `answered()` or `release()` (no answer: undone) ends it. */
export type AccessGrant = VoucherAdmission &
  (
    | { kind: "validator"; caller: string; price: 0n }
    | { kind: "client"; caller: string; price: bigint; voucher: HeldVoucher }
  );

const FREE: VoucherAdmission = { answered: () => undefined, release: () => undefined };

export interface AccessPolicyOptions {
  chain: MinerChainView;
  book: VoucherBook;
  verifier: VoucherVerifier;
  miner: string;
  netuid: number;
  tier: number;
  /** The model hash this miner's axon declares: vouchers must name it (it routes the royalty). */
  modelHash: string;
}

/**
 * Decides whether an authenticated caller is served: a validator with a permit (free), or a
 * client whose highest voucher (the one held, or this request's) pays for all the work admitted
 * for it plus this request, within this miner's allotment of the client's escrow (so no work goes
 * unpaid whatever other miners redeem, and vouchers may arrive out of order). Anything else is a
 * 403, never a crash. An admission raises the client's debt by the price; `answered()` makes its
 * voucher redeemable, `release()` undoes both if the request gets no answer.
 *
 * `precheck` runs on the headers alone, before the body is read: a stranger is refused without the
 * miner reading (up to the body limit of) what it sent.
 */
export class AccessPolicy {
  constructor(private readonly opts: AccessPolicyOptions) {}

  /**
   * The checks that need no request body: a validator's permit, or a voucher for this miner's terms
   * signed by the caller, who may sign for the client. Returns the voucher (undefined: a validator).
   */
  async precheck(caller: string, voucherHeader: string | undefined): Promise<HeldVoucher | undefined> {
    if (voucherHeader === undefined || voucherHeader === "") {
      await this.checkValidator(caller);
      return undefined;
    }
    const held = this.decode(voucherHeader);
    const { voucher, signature } = held;
    const { chain, verifier } = this.opts;
    this.checkTerms(held);
    if (!verifier.signedBy(voucher, signature, caller)) {
      throw new MinerHttpError(403, "bad-voucher-signature", "the voucher must be signed by the caller of the request");
    }
    if (caller.toLowerCase() !== voucher.client.toLowerCase()) {
      const active =
        (await chain.isActiveSigner(voucher.client, caller)) ||
        (await chain.isActiveSigner(voucher.client, caller, { fresh: true }));
      if (!active) {
        throw new MinerHttpError(
          403,
          "unauthorized-signer",
          `${caller} is not an active signer of ${voucher.client} (never authorised, or revoked)`,
        );
      }
    }
    return { ...held, signer: caller };
  }

  /** Admits a caller `precheck` passed (and whose request signature checked out): the money checks. */
  async admit(caller: string, held: HeldVoucher | undefined): Promise<AccessGrant> {
    if (held === undefined) return { kind: "validator", caller, price: 0n, ...FREE };
    const { voucher } = held;
    const { chain, book } = this.opts;
    const [price, redeemed] = await Promise.all([chain.pricePerRequest(), chain.redeemedFrom(voucher.client)]);
    book.markRedeemed(voucher.client, redeemed);
    let allotment = await chain.allotmentOf(voucher.client);
    if (this.unredeemed(held) + price > allotment) allotment = await chain.allotmentOf(voucher.client, { fresh: true });

    // No await from here on: the checks and the admission happen in one turn of the event loop.
    // The highest voucher (held, or this one) must pay for the work admitted so far and this request.
    const previous = book.debtOf(voucher.client);
    if (this.best(held) < previous + price) {
      // The voucher this miner holds, so that the gateway can catch up with a voucher it can verify
      // (its own or its client's signature) instead of trusting a number in a message.
      const best = book.bestOf(voucher.client);
      throw new MinerHttpError(
        403,
        "voucher-too-low",
        `voucher must reach ${previous + price} (previous ${previous} + price ${price}); got ${voucher.cumulativeAmount}`,
        {},
        {
          required: (previous + price).toString(),
          held: best ? encodeVoucherHeader(best.voucher, best.signature) : null,
        },
      );
    }
    const unredeemed = this.unredeemed(held);
    if (unredeemed > allotment) {
      throw new MinerHttpError(
        403,
        "insufficient-escrow",
        `this miner's allotment of ${voucher.client}'s escrow (${allotment}, less any part thawing) does not cover ` +
          `${unredeemed} unredeemed; allot more NOOS to ${this.opts.miner} in billing`,
      );
    }
    return { kind: "client", caller, price, voucher: held, ...book.admit(held, price) };
  }

  private async checkValidator(caller: string): Promise<void> {
    const { chain } = this.opts;
    if ((await chain.isPermittedValidator(caller)) || (await chain.isPermittedValidator(caller, { fresh: true }))) {
      return;
    }
    throw new MinerHttpError(
      403,
      "not-authorized",
      "caller is neither a validator with a permit on this subnet nor a client paying with a voucher (x-noos-voucher)",
    );
  }

  private decode(header: string): HeldVoucher {
    try {
      return decodeVoucherHeader(header);
    } catch {
      throw new MinerHttpError(400, "malformed-voucher", "x-noos-voucher is not a valid voucher");
    }
  }

  private checkTerms({ voucher }: HeldVoucher): void {
    const { miner, netuid, tier, modelHash } = this.opts;
    if (
      voucher.miner.toLowerCase() !== miner.toLowerCase() ||
      voucher.netuid !== netuid ||
      voucher.tier !== tier ||
      voucher.model.toLowerCase() !== modelHash.toLowerCase()
    ) {
      throw new MinerHttpError(
        403,
        "voucher-mismatch",
        `voucher must name miner ${miner}, netuid ${netuid}, tier ${tier} and model ${modelHash}`,
      );
    }
  }

  /** The highest of `held` and the voucher already held from its client: what a redemption would collect. */
  private best({ voucher }: HeldVoucher): bigint {
    const kept = this.opts.book.heldOf(voucher.client);
    return voucher.cumulativeAmount > kept ? voucher.cumulativeAmount : kept;
  }

  private unredeemed(held: HeldVoucher): bigint {
    return this.best(held) - this.opts.book.redeemedOf(held.voucher.client);
  }
}
