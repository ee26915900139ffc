interface Entry<V> {
  value?: V;
  at: number;
  pending?: Promise<V>;
}

/**
 * A small read-through cache for chain reads: values live `ttlMs`, concurrent misses share one
 * load (single flight), failed loads are not cached, and at most `maxEntries` keys are kept
 * (oldest first out). A hit costs no I/O, so a request that finds everything here makes no RPC.
 * With `staleMs`, a value past its TTL but younger than that is still served at once while one
 * reload runs in the background: a chain that pauses does not stall every request for as long.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();

  constructor(
    readonly ttlMs: number,
    readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
    readonly staleMs = 0,
  ) {}

  /**
   * The cached value if younger than `maxAgeMs` (default the TTL), else loads it; a value younger
   * than `staleMs` is served meanwhile when `maxAgeMs` is the TTL (a forced re-read always waits).
   */
  get(key: K, load: () => Promise<V>, maxAgeMs = this.ttlMs): Promise<V> {
    const entry = this.entries.get(key);
    const has = entry !== undefined && "value" in entry;
    const age = has ? this.now() - entry.at : Infinity;
    const staleOk = has && maxAgeMs >= this.ttlMs && age < this.staleMs;
    if (entry?.pending) return staleOk ? Promise.resolve(entry.value as V) : entry.pending;
    if (has && age < maxAgeMs) return Promise.resolve(entry.value as V);
    if (staleOk) {
      this.reload(key, load, entry).catch(() => undefined); // the next caller retries
      return Promise.resolve(entry.value as V);
    }
    return this.reload(key, load, entry);
  }

  private reload(key: K, load: () => Promise<V>, entry: Entry<V> | undefined): Promise<V> {
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
