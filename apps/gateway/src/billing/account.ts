import { formatEther } from "ethers";
import type { Signer, TypedDataDomain } from "ethers";
import {
  decodeVoucherHeader,
  encodeVoucherHeader,
  recoverVoucherSigner,
  signVoucher,
  voucherDomain,
} from "@noosphere/protocol";
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
  /** The price came from the slot's credit (a failed call's freed room): the cumulative did not move. */
  fromCredit: boolean;
  voucher: Voucher;
  /** Value of the x-noos-voucher header. */
  header: string;
}

/**
 * This miner's allotment of the client's escrow cannot cover another call right now (the allotter
 * tops it up): the dispatcher tries another miner, and this one is not blamed.
 */
export class AllotmentShortError extends Error {
  override readonly name = "AllotmentShortError";
  constructor(
    readonly miner: string,
    readonly exposure: bigint,
    readonly allotment: bigint,
  ) {
    super(
      `miner ${miner}'s allotment ${formatEther(allotment)} NOOS is taken (${formatEther(exposure)} NOOS unredeemed)`,
    );
  }
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
  /** Told when a miner's allotment could not cover a call (the allotter tops it up). */
  onAllotmentShort?: (miner: string, price: bigint) => void;
  /** Tops the miners' allotments up now, `prefer`'s first, and waits for it (the allotter's round). */
  refill?: (prefer: readonly string[]) => Promise<void>;
}

export interface AccountStatus {
  /** Free escrow (not allotted to a miner; balance - thawing) at the last snapshot. */
  escrow: bigint;
  /** Vouchers signed and not yet redeemed (as of the last snapshot). */
  outstanding: bigint;
  /** What may still be signed: room left in the miners' allotments, plus the free escrow that can be allotted. */
  available: bigint;
  block?: number;
}

/**
 * The gateway's side of billing: reserves each call's price in the shared ledger against the
 * miner's allotment of the client's escrow (the allotment minus every voucher signed to that miner
 * and not yet redeemed must cover it), signs the cumulative voucher, and gives the reservation back
 * when the call fails.
 */
export class BillingAccount {
  readonly domain: TypedDataDomain;
  private readonly floors = new Map<string, bigint>();
  /** Miners whose allotments every snapshot reads (those routed to, and those the allotter feeds). */
  private readonly miners = new Set<string>();
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
    this.track(slot.miner);
    if (Date.now() - this.snapshotAt > this.snapshotMaxAgeMs) void this.snapshot().catch(() => undefined);
    const floor = await this.floor(slot);
    let result = await ledger.reserve(slot, price, floor, admit);
    if (!result.ok && result.reason === "key") throw errors.keyRefused(result.admission);
    if (!result.ok) {
      // No snapshot yet, or a refusal: read the chain (an allotment may have landed) before deciding.
      await this.snapshot();
      result = await ledger.reserve(slot, price, floor);
      if (!result.ok) {
        const short = result.reason === "insufficient" ? result : { outstanding: 0n, available: 0n };
        this.opts.onAllotmentShort?.(slot.miner, price);
        throw new AllotmentShortError(slot.miner, short.outstanding, short.available);
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
    const reservation = { slot, price, cumulative: result.cumulative, fromCredit: result.fromCredit, voucher };
    try {
      const signature = await signVoucher(this.opts.signer, this.domain, voucher);
      return { ...reservation, header: encodeVoucherHeader(voucher, signature) };
    } catch (err) {
      await ledger.release(slot, price, result.cumulative, result.fromCredit);
      throw err;
    }
  }

  /**
   * Every miner's allotment was taken: tops them up from the free escrow and waits (at most `timeoutMs`)
   * if the free escrow can pay for a call; true when the caller should try the miners again.
   */
  async refill(price: bigint, prefer: readonly string[], timeoutMs = 10_000): Promise<boolean> {
    const { refill, ledger } = this.opts;
    if (!refill) return false;
    await this.snapshot();
    if (((await ledger.summary()).escrow ?? 0n) < price) return false;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    try {
      await Promise.race([refill(prefer), late]);
    } catch {
      return false; // the top-up failed (it is logged): the request gets the refusal, not a 500
    } finally {
      clearTimeout(timer);
    }
    return true;
  }

  /** The refusal when no miner's allotment could take a call: 402 if the free escrow cannot refill them, else 503. */
  async exhausted(price: bigint): Promise<Error> {
    const summary = await this.opts.ledger.summary();
    const free = summary.escrow ?? 0n;
    if (free < price) return errors.insufficientQuota(refusal(this.opts.client, free, summary.outstanding, price));
    return errors.noMiner(
      `Every miner's allotment of the escrow of ${this.opts.client} is in use; the gateway is allotting more ` +
        `(${formatEther(free)} NOOS free). Retry in a few seconds.`,
    );
  }

  /** The call failed: its price goes back (undone at the top of its slot, else credit for the next call). */
  release(r: Reservation): Promise<"undone" | "credited"> {
    return this.opts.ledger.release(r.slot, r.price, r.cumulative, r.fromCredit);
  }

  /**
   * The miner said our voucher was too low and sent the voucher it holds (`held`, an x-noos-voucher
   * value). Catches up with it only if it is a voucher for this slot signed by this client's side (our
   * key, the client, or a signer the client authorised): a miner cannot raise what the client owes with
   * a number of its own. Returns false (nothing changed) for anything else.
   */
  async catchUp(slot: VoucherSlot, held: unknown): Promise<boolean> {
    let voucher: Voucher;
    let signature: string;
    try {
      ({ voucher, signature } = decodeVoucherHeader(String(held)));
    } catch {
      return false;
    }
    const { client, signerAddress, chain } = this.opts;
    const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
    if (
      !same(voucher.client, client) ||
      !same(voucher.miner, slot.miner) ||
      voucher.netuid !== slot.netuid ||
      voucher.tier !== slot.tier
    ) {
      return false;
    }
    let signer: string;
    try {
      signer = recoverVoucherSigner(this.domain, voucher, signature);
    } catch {
      return false;
    }
    const ours = same(signer, signerAddress) || same(signer, client);
    if (!ours && !(await chain.isAuthorizedSigner(client, signer))) return false;
    await this.opts.ledger.raiseHeld(slot, voucher.cumulativeAmount);
    return true;
  }

  /** Makes every snapshot read `miner`'s allotment. */
  track(miner: string): void {
    this.miners.add(miner.toLowerCase());
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

  /** A snapshot that starts now: after a transaction of ours, one already in flight may predate it. */
  async freshSnapshot(): Promise<void> {
    await this.snapshotting?.catch(() => undefined);
    return this.snapshot();
  }

  async status(): Promise<AccountStatus> {
    const s = await this.opts.ledger.summary();
    const escrow = s.escrow ?? 0n;
    let room = 0n;
    for (const miner of this.miners) {
      const m = await this.opts.ledger.minerState(miner);
      if (m.allotment > m.exposure) room += m.allotment - m.exposure;
    }
    const out: AccountStatus = { escrow, outstanding: s.outstanding, available: escrow + room };
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
    for (const slot of slots) this.track(slot.miner);
    const miners = [...this.miners];
    const [escrow, redeemed, allotments] = await Promise.all([
      chain.escrow(client, block),
      Promise.all(
        slots.map(async (slot) => ({
          slot,
          redeemed: await chain.redeemed(client, slot.miner, slot.netuid, slot.tier, block),
        })),
      ),
      Promise.all(
        miners.map(async (miner) => {
          const a = await chain.allotment(client, miner, block);
          return { miner, available: a.amount > a.thawing ? a.amount - a.thawing : 0n };
        }),
      ),
    ]);
    for (const r of redeemed) this.floors.set(slotField(r.slot), r.redeemed);
    const free = escrow.balance > escrow.thawing ? escrow.balance - escrow.thawing : 0n;
    await ledger.snapshot(block, free, redeemed, allotments);
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

function refusal(client: string, free: bigint, outstanding: bigint, price: bigint): string {
  return (
    `The escrow of ${client} cannot cover this request: the miners' allotments are in use ` +
    `(${formatEther(outstanding)} NOOS in vouchers not yet redeemed) and ${formatEther(free)} NOOS is free to allot ` +
    `(deposited minus allotted minus thawing), price ${formatEther(price)} NOOS. ` +
    `Deposit more NOOS into billing escrow, or wait for miners to redeem.`
  );
}
