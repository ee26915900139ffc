interface Entry<V> {
  value?: V;
  at: number;
  pending?: Promise<V>;
}

/**
 * A small read-through cache for chain reads: values live `ttlMs`, concurrent misses share one
 * load (single flight), failed loads are not cached, and at most `maxEntries` keys are kept
 * (oldest first out). A hit costs no I/O, so a request that finds everything here makes no RPC.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();

  constructor(
    readonly ttlMs: number,
    readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached value if younger than `maxAgeMs` (default the TTL), else loads it. */
  get(key: K, load: () => Promise<V>, maxAgeMs = this.ttlMs): Promise<V> {
    const entry = this.entries.get(key);
    if (entry?.pending) return entry.pending;
    if (entry && "value" in entry && this.now() - entry.at < maxAgeMs) return Promise.resolve(entry.value as V);
    const pending = load().then(
      (value) => {
        this.set(key, value);
        return value;
      },
      (err: unknown) => {
        if (this.entries.get(key)?.pending === pending) {
          if (entry && "value" in entry) this.entries.set(key, entry);
          else this.entries.delete(key);
        }
        throw err;
      },
    );
    this.entries.set(key, { ...entry, at: entry?.at ?? 0, pending });
    this.evict();
    return pending;
  }

  /** Age in ms of the cached value, undefined if none. */
  ageOf(key: K): number | undefined {
    const entry = this.entries.get(key);
    return entry && "value" in entry ? this.now() - entry.at : undefined;
  }

  peek(key: K): V | undefined {
    return this.entries.get(key)?.value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, at: this.now() });
    this.evict();
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private evict(): void {
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as K;
      this.entries.delete(oldest);
    }
  }
}
