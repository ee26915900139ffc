import type { GatewayChainView, TierTerms } from "./chain/chain-view";

/** Prices and per-call limits per (netuid, tier), re-read from Billing every `ttlMs`. */
export class TermsCache {
  private readonly entries = new Map<string, { at: number; value: Promise<TierTerms> }>();

  constructor(
    private readonly chain: GatewayChainView,
    private readonly ttlMs = 30_000,
  ) {}

  get(netuid: number, tier: number): Promise<TierTerms> {
    const key = `${netuid}:${tier}`;
    const hit = this.entries.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    const value = this.chain.tierTerms(netuid, tier);
    this.entries.set(key, { at: Date.now(), value });
    value.catch(() => this.entries.delete(key));
    return value;
  }
}
