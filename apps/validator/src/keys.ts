/**
 * Every Redis key of one validator (queues included) starts with a hash tag `{noos:val:<id>}`, so
 * on Redis Cluster all of them land in one slot: BullMQ's multi-key scripts, flows across queues
 * and the aggregator's script all need their keys together. Several processes of the same
 * validator share the id (and so the queues); another validator on the same Redis has its own.
 */
export function validatorPrefix(netuid: number, hotkey: string): string {
  return `{noos:val:${netuid}-${hotkey.toLowerCase()}}`;
}

/** Keys the validator keeps beside BullMQ's (which live under `<prefix>:<queue>:`). */
export class ValidatorKeys {
  constructor(readonly prefix: string) {
    if (!/^\{[^{}]+\}/.test(prefix)) throw new Error(`key prefix ${prefix} must start with a {hash tag}`);
  }

  /** Hash of one UID's score state: hotkey, registeredAt, ema, count, last, updatedAt. */
  ema(uid: number): string {
    return `${this.prefix}:ema:${uid}`;
  }

  /** Hash worker -> scores applied in `epoch` (inspection; the exactly-once mark is on each score job). */
  applied(epoch: bigint | number): string {
    return `${this.prefix}:applied:${epoch}`;
  }

  /** JSON of one probe round's challenge (what is sent and the answer kept back), with a TTL. */
  challenge(roundId: string): string {
    return `${this.prefix}:challenge:${roundId}`;
  }

  /** Hash of the weights of `epoch`: payload, salt, hash, signed transactions, outcomes. */
  weights(epoch: bigint | number): string {
    return `${this.prefix}:weights:${epoch}`;
  }

  /** Hash of last events (last commit/reveal epoch, block, time) for /health and /metrics. */
  status(): string {
    return `${this.prefix}:status`;
  }
}
