import { decodeVoucherHeader, recoverVoucherSigner } from "@noosphere/protocol";
import type { TypedDataDomain } from "ethers";
import { MinerHttpError } from "../errors";
import type { HeldVoucher, VoucherBook } from "./voucher-book";

/** What the miner needs to know from the chain to decide whom it serves. */
export interface MinerChainView {
  /** True if `caller` is a validator holding a permit on this miner's subnet. */
  isPermittedValidator(caller: string): Promise<boolean>;
  /** Tokens the client has in billing escrow that a redemption can still burn. */
  escrowOf(client: string): Promise<bigint>;
  /** Cumulative amount this miner already redeemed from `client` on its (netuid, tier). */
  redeemedFrom(client: string): Promise<bigint>;
  isAuthorizedSigner(client: string, signer: string): Promise<boolean>;
  /** NOOS (1e18 units) charged per request on this miner's (netuid, tier). */
  pricePerRequest(): Promise<bigint>;
}

export type AccessGrant =
  | { kind: "validator"; caller: string; price: 0n }
  | { kind: "client"; caller: string; price: bigint; voucher: HeldVoucher };

export interface AccessPolicyOptions {
  chain: MinerChainView;
  book: VoucherBook;
  miner: string;
  netuid: number;
  tier: number;
  voucherDomain: TypedDataDomain;
  /**
   * The model hash this miner's axon declares (bytes32, 0x-hex). Vouchers must name it: Billing pays
   * that model's owner its royalty. Omitted: any model is accepted.
   */
  modelHash?: string;
}

/**
 * Decides whether a verified caller is served: a validator with a permit (free), or a client
 * whose voucher pays for this request and whose escrow covers everything not yet redeemed
 * (so no work goes unpaid). Anything else is a 403, never a crash.
 */
export class AccessPolicy {
  constructor(private readonly opts: AccessPolicyOptions) {}

  async admit(caller: string, voucherHeader: string | undefined): Promise<AccessGrant> {
    if (voucherHeader === undefined || voucherHeader === "") {
      if (await this.opts.chain.isPermittedValidator(caller)) return { kind: "validator", caller, price: 0n };
      throw new MinerHttpError(
        403,
        "not-authorized",
        "caller is neither a validator with a permit on this subnet nor a client paying with a voucher (x-noos-voucher)",
      );
    }
    let held: HeldVoucher;
    try {
      held = decodeVoucherHeader(voucherHeader);
    } catch {
      throw new MinerHttpError(400, "malformed-voucher", "x-noos-voucher is not a valid voucher");
    }
    const { voucher, signature } = held;
    const { miner, netuid, tier, chain, book } = this.opts;
    if (voucher.miner.toLowerCase() !== miner.toLowerCase() || voucher.netuid !== netuid || voucher.tier !== tier) {
      throw new MinerHttpError(
        403,
        "voucher-mismatch",
        `voucher must name miner ${miner}, netuid ${netuid}, tier ${tier}`,
      );
    }
    const model = this.opts.modelHash;
    if (model !== undefined && voucher.model.toLowerCase() !== model.toLowerCase()) {
      throw new MinerHttpError(
        403,
        "voucher-mismatch",
        `voucher must name model ${model} (the model this miner serves)`,
      );
    }
    let signer: string;
    try {
      signer = recoverVoucherSigner(this.opts.voucherDomain, voucher, signature);
    } catch {
      throw new MinerHttpError(403, "bad-voucher-signature", "voucher signature is invalid");
    }
    if (signer.toLowerCase() !== caller.toLowerCase()) {
      throw new MinerHttpError(403, "bad-voucher-signature", "the voucher must be signed by the caller of the request");
    }
    if (
      signer.toLowerCase() !== voucher.client.toLowerCase() &&
      !(await chain.isAuthorizedSigner(voucher.client, signer))
    ) {
      throw new MinerHttpError(
        403,
        "unauthorized-signer",
        `${signer} is not an authorised signer of ${voucher.client}`,
      );
    }
    const [price, redeemed, escrow] = await Promise.all([
      chain.pricePerRequest(),
      chain.redeemedFrom(voucher.client),
      chain.escrowOf(voucher.client),
    ]);
    book.markRedeemed(voucher.client, redeemed);
    const unredeemed = voucher.cumulativeAmount - redeemed;
    if (unredeemed > escrow) {
      throw new MinerHttpError(
        403,
        "insufficient-escrow",
        `client escrow ${escrow} does not cover ${unredeemed} unredeemed; deposit more NOOS into billing`,
      );
    }
    // Last, with no await after it: the book's check and its record of the debt are one step.
    const admitted = book.admit(voucher, price);
    if (!admitted.ok) {
      const previous = admitted.owed;
      throw new MinerHttpError(
        403,
        "voucher-too-low",
        `voucher must reach ${previous + price} (previous ${previous} + price ${price}); got ${voucher.cumulativeAmount}`,
      );
    }
    return { kind: "client", caller, price, voucher: held };
  }
}
