/**
 * Redis key names. Every key starts with one hash tag (default `{noos:gw}`), so all of a gateway's
 * keys live in one Redis Cluster slot and Lua scripts may touch several of them; gateways that
 * share a prefix share API keys, rate limits, usage and voucher ledgers.
 */
export const DEFAULT_PREFIX = "{noos:gw}";

export class Keyspace {
  constructor(readonly prefix: string = DEFAULT_PREFIX) {
    if (!/^\{[^{}]+\}/.test(prefix)) throw new Error(`key prefix ${prefix} must start with a hash tag like {noos:gw}`);
  }

  /** Ids of every API key ever created (revoked ones included). */
  keyIndex(): string {
    return `${this.prefix}:keys`;
  }

  /** Counter giving each API key its creation order. */
  keySequence(): string {
    return `${this.prefix}:keyseq`;
  }

  apiKey(id: string): string {
    return `${this.prefix}:key:${id}`;
  }

  rateBucket(id: string): string {
    return `${this.prefix}:rate:${id}`;
  }

  usage(id: string): string {
    return `${this.prefix}:usage:${id}`;
  }

  /** Held by the gateway allotting a client's escrow to miners (one at a time). */
  allotLock(chainId: number, billing: string, client: string): string {
    return `${this.ledger(chainId, billing, client)}:allot-lock`;
  }

  /** One ledger per client account on one Billing deployment. */
  ledger(chainId: number, billing: string, client: string): string {
    return `${this.prefix}:ledger:${chainId}:${billing.toLowerCase()}:${client.toLowerCase()}`;
  }
}
