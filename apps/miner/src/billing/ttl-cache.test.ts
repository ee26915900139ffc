import { TtlCache } from "./ttl-cache";

describe("TtlCache", () => {
  let now = 0;
  const cache = () => new TtlCache<string, number>(1000, 3, () => now);

  beforeEach(() => {
    now = 0;
  });

  it("serves a value for its TTL, then loads it again", async () => {
    const c = cache();
    let loads = 0;
    const load = async () => ++loads;
    expect(await c.get("a", load)).toBe(1);
    now = 999;
    expect(await c.get("a", load)).toBe(1);
    now = 1000;
    expect(await c.get("a", load)).toBe(2);
    expect(await c.get("a", load, 0)).toBe(3); // maxAge 0: always fresh
  });

  it("shares one load among concurrent misses", async () => {
    const c = cache();
    let loads = 0;
    let release!: (v: number) => void;
    const load = () => {
      loads++;
      return new Promise<number>((r) => (release = r));
    };
    const both = Promise.all([c.get("a", load), c.get("a", load)]);
    release(7);
    expect(await both).toEqual([7, 7]);
    expect(loads).toBe(1);
  });

  it("does not cache failures, and keeps the previous value when a reload fails", async () => {
    const c = cache();
    await expect(c.get("a", async () => Promise.reject(new Error("rpc down")))).rejects.toThrow("rpc down");
    expect(c.peek("a")).toBeUndefined();
    expect(await c.get("a", async () => 1)).toBe(1);
    now = 5000;
    await expect(c.get("a", async () => Promise.reject(new Error("rpc down")))).rejects.toThrow("rpc down");
    expect(c.peek("a")).toBe(1);
  });

  it("holds at most maxEntries keys, oldest out first", async () => {
    const c = cache();
    for (const k of ["a", "b", "c", "d"]) await c.get(k, async () => 1);
    expect(c.size).toBe(3);
    expect(c.peek("a")).toBeUndefined();
    expect(c.peek("d")).toBe(1);
  });

  it("serves a stale value while one reload runs, within staleMs; a forced re-read waits", async () => {
    let now = 0;
    const cache = new TtlCache<string, number>(1_000, 10, () => now, 5_000);
    await cache.get("k", async () => 1);
    now = 2_000;
    let release!: (v: number) => void;
    let loads = 0;
    const slow = () => {
      loads++;
      return new Promise<number>((r) => (release = r));
    };
    expect(await cache.get("k", slow)).toBe(1); // stale, served at once; the chain is "paused"
    expect(await cache.get("k", slow)).toBe(1);
    expect(loads).toBe(1);
    const forced = cache.get("k", slow, 0);
    release(2);
    expect(await forced).toBe(2);
    now = 2_000 + 6_000; // older than staleMs: waits for the chain
    const waiting = cache.get("k", async () => 3);
    expect(await waiting).toBe(3);
  });
});
