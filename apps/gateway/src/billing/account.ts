import { formatEther } from "ethers";
import type { Signer, TypedDataDomain } from "ethers";
import { encodeVoucherHeader, signVoucher, voucherDomain } from "@noosphere/protocol";
import type { Voucher } from "@noosphere/protocol";
import type { GatewayChainView } from "../chain/chain-view";
import { GatewayConfigError, errors } from "../errors";
import type { KeyAdmission } from "../store/api-keys";
import type { VoucherLedger, VoucherSlot } from "./ledger";
import { slotField } from "./ledger";

/** Money set aside for one call: the voucher to send with it. */
export interface Reservation {
  slot: VoucherSlot;
  price: bigint;
  cumulative: bigint;
  voucher: Voucher;
  /** Value of the x-noos-voucher header. */
  header: string;
}

export interface BillingAccountOptions {
  chain: GatewayChainView;
  ledger: VoucherLedger;
  /** The gateway's key: the client itself or a signer the client authorised in Billing. */
  signer: Signer;
  signerAddress: string;
  /** The escrow account that pays (the ledger's client). */
  client: string;
  /** Snapshots of the escrow older than this are retaken in the background (deposits show up then). */
  snapshotMaxAgeMs?: number;
}

export interface AccountStatus {
  /** Escrow available (balance - thawing) at the last snapshot. */
  escrow: bigint;
  /** Vouchers signed and not yet redeemed (as of the last snapshot). */
  outstanding: bigint;
  /** What may still be signed. */
  available: bigint;
  block?: number;
}

/**
 * The gateway's side of billing: reserves each call's price in the shared ledger against the
 * client's escrow (escrow minus thawing funds minus every voucher not yet redeemed must cover it),
 * signs the cumulative voucher, and gives the reservation back when the call fails.
 */
export class BillingAccount {
  readonly domain: TypedDataDomain;
  private readonly floors = new Map<string, bigint>();
  private snapshotAt = 0;
  private snapshotting: Promise<void> | undefined;
  private readonly snapshotMaxAgeMs: number;

  constructor(private readonly opts: BillingAccountOptions) {
    this.domain = voucherDomain(opts.chain.chainId, opts.chain.billingAddress);
    this.snapshotMaxAgeMs = opts.snapshotMaxAgeMs ?? 15_000;
  }

  get client(): string {
    return this.opts.client;
  }

  get signerAddress(): string {
    return this.opts.signerAddress;
  }

  /**
   * Sets `price` aside on `slot` and signs the voucher naming `model` (the model hash the miner's
   * axon declares: its owner gets the royalty); 402 when the escrow cannot cover it. `admit`: the
   * request's API key, admitted in the same Redis round trip (401 or 429 if refused).
   */
  async reserve(slot: VoucherSlot, price: bigint, model: string, admit?: KeyAdmission): Promise<Reservation> {
    const { ledger } = this.opts;
    if (Date.now() - this.snapshotAt > this.snapshotMaxAgeMs) void this.snapshot().catch(() => undefined);
    const floor = await this.floor(slot);
    let result = await ledger.reserve(slot, price, floor, admit);
    if (!result.ok && result.reason === "key") throw errors.keyRefused(result.admission);
    if (!result.ok) {
      // No snapshot yet, or a refusal: read the chain (a deposit may have landed) before deciding.
      await this.snapshot();
      result = await ledger.reserve(slot, price, floor);
      if (!result.ok) {
        const summary = await ledger.summary();
        throw errors.insufficientQuota(refusal(this.opts.client, summary.escrow ?? 0n, summary.outstanding, price));
      }
    }
    const voucher: Voucher = {
      client: this.opts.client,
      miner: slot.miner,
      netuid: slot.netuid,
      tier: slot.tier,
      model,
      cumulativeAmount: result.cumulative,
    };
    try {
      const signature = await signVoucher(this.opts.signer, this.domain, voucher);
      return { slot, price, cumulative: result.cumulative, voucher, header: encodeVoucherHeader(voucher, signature) };
    } catch (err) {
      await ledger.release(slot, price, result.cumulative);
      throw err;
    }
  }

  /** The call failed before the miner could have accepted the voucher. */
  release(r: Reservation): Promise<boolean> {
    return this.opts.ledger.release(r.slot, r.price, r.cumulative);
  }

  /** The miner holds a voucher at `held` (it said ours was too low): catch up with it. */
  async catchUp(slot: VoucherSlot, held: bigint): Promise<void> {
    await this.opts.ledger.raiseHeld(slot, held);
  }

  /**
   * Reads the escrow and every slot's redeemed total at one block and records them. Concurrent
   * callers share one read.
   */
  snapshot(): Promise<void> {
    this.snapshotting ??= this.takeSnapshot().finally(() => {
      this.snapshotting = undefined;
    });
    return this.snapshotting;
  }

  async status(): Promise<AccountStatus> {
    const s = await this.opts.ledger.summary();
    const escrow = s.escrow ?? 0n;
    const free = escrow - s.outstanding;
    const out: AccountStatus = { escrow, outstanding: s.outstanding, available: free > 0n ? free : 0n };
    if (s.block !== undefined) out.block = s.block;
    return out;
  }

  /** Checks that the key may sign for the client, with a message that says what to do if not. */
  async checkSigner(): Promise<void> {
    const { chain, client, signerAddress } = this.opts;
    if (signerAddress.toLowerCase() === client.toLowerCase()) return;
    if (!(await chain.isAuthorizedSigner(client, signerAddress))) {
      throw new GatewayConfigError(
        `${signerAddress} is not an authorised signer of ${client}: have ${client} call Billing.authorizeSigner(${signerAddress}), or start the gateway with the client's own key`,
      );
    }
  }

  private async takeSnapshot(): Promise<void> {
    const { chain, ledger, client } = this.opts;
    const started = Date.now();
    const [block, slots] = await Promise.all([chain.blockNumber(), ledger.slots()]);
    const [escrow, redeemed] = await Promise.all([
      chain.escrow(client, block),
      Promise.all(
        slots.map(async (slot) => ({
          slot,
          redeemed: await chain.redeemed(client, slot.miner, slot.netuid, slot.tier, block),
        })),
      ),
    ]);
    for (const r of redeemed) this.floors.set(slotField(r.slot), r.redeemed);
    const available = escrow.balance > escrow.thawing ? escrow.balance - escrow.thawing : 0n;
    await ledger.snapshot(block, available, redeemed);
    this.snapshotAt = started;
  }

  /** A slot's redeemed total on-chain, read once per slot (a new slot's cumulative starts there). */
  private async floor(slot: VoucherSlot): Promise<bigint> {
    const key = slotField(slot);
    const known = this.floors.get(key);
    if (known !== undefined) return known;
    const value = await this.opts.chain.redeemed(this.opts.client, slot.miner, slot.netuid, slot.tier);
    this.floors.set(key, value);
    return value;
  }
}

function refusal(client: string, escrow: bigint, outstanding: bigint, price: bigint): string {
  return (
    `The escrow of ${client} cannot cover this request: ${formatEther(escrow)} NOOS available (deposited minus thawing), ` +
    `${formatEther(outstanding)} NOOS in vouchers not yet redeemed, price ${formatEther(price)} NOOS. ` +
    `Deposit more NOOS into billing escrow, or wait for miners to redeem.`
  );
}
