import type { Provider } from "ethers";
import { Billing__factory, SubnetRegistry__factory } from "@noosphere/contracts";
import type { Billing, SubnetRegistry } from "@noosphere/contracts";
import type { CallLimits } from "../tasks/task";
import type { MinerChainView } from "./access";

export interface ContractsMinerChainViewOptions {
  provider: Provider;
  subnets: string;
  billing: string;
  /** The miner's hotkey and what it serves. */
  miner: string;
  netuid: number;
  tier: number;
  /** How long validator permits, prices and limits are cached (they change once per epoch or by governance). */
  cacheMs?: number;
}

/**
 * MinerChainView over the deployed SubnetRegistry and Billing. Escrow and redeemed totals are read
 * fresh (they decide whether work gets paid); permits, price and limits are cached briefly.
 */
export class ContractsMinerChainView implements MinerChainView {
  private readonly registry: SubnetRegistry;
  private readonly billing: Billing;
  private readonly cacheMs: number;
  private readonly cache = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(private readonly opts: ContractsMinerChainViewOptions) {
    this.registry = SubnetRegistry__factory.connect(opts.subnets, opts.provider);
    this.billing = Billing__factory.connect(opts.billing, opts.provider);
    this.cacheMs = opts.cacheMs ?? 12_000;
  }

  async isPermittedValidator(caller: string): Promise<boolean> {
    const { netuid } = this.opts;
    if (!(await this.registry.isRegistered(netuid, caller))) return false;
    const [uid, permits] = await Promise.all([
      this.registry.uidOf(netuid, caller),
      this.cached("permits", () => this.registry.validatorPermits(netuid)),
    ]);
    return permits[Number(uid)] === true;
  }

  async escrowOf(client: string): Promise<bigint> {
    return (await this.billing.escrowOf(client)).balance;
  }

  redeemedFrom(client: string): Promise<bigint> {
    const { miner, netuid, tier } = this.opts;
    return this.billing.redeemed(client, miner, netuid, tier);
  }

  isAuthorizedSigner(client: string, signer: string): Promise<boolean> {
    return this.billing.isAuthorizedSigner(client, signer);
  }

  pricePerRequest(): Promise<bigint> {
    const { netuid, tier } = this.opts;
    return this.cached("price", () => this.billing.priceInNoos(netuid, tier));
  }

  /** The subnet's per-call limits for this tier (for buildMinerApp's `limits`). */
  async limits(): Promise<CallLimits> {
    const { netuid, tier } = this.opts;
    const terms = await this.cached("limits", () => this.billing.tierPrice(netuid, tier));
    return { maxInputTokens: Number(terms.maxInputTokens), maxOutputTokens: Number(terms.maxOutputTokens) };
  }

  private cached<T>(key: string, read: () => Promise<T>): Promise<T> {
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < this.cacheMs) return hit.value as Promise<T>;
    const value = read();
    this.cache.set(key, { at: Date.now(), value });
    value.catch(() => this.cache.delete(key));
    return value;
  }
}
