import { Router } from "./router";
import type { MinerEndpoint } from "./router";
import { Scoreboard } from "./scoreboard";

function miner(uid: number, incentive: number, live = true): MinerEndpoint {
  return {
    key: `1:0x${uid}`,
    netuid: 1,
    uid,
    hotkey: `0x${uid}`,
    url: `http://127.0.0.1:${9000 + uid}`,
    taskId: "text-generation",
    modelName: "noos-tiny",
    modelHash: "0x00",
    tier: 1,
    incentive,
    live,
  };
}

/** How often each uid is picked over `n` draws of a seeded generator. */
function shares(router: Router, miners: MinerEndpoint[], n = 4000): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const m = router.pick(miners)!;
    counts.set(m.uid, (counts.get(m.uid) ?? 0) + 1 / n);
  }
  return counts;
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("router", () => {
  it("sends traffic in proportion to incentive plus a floor for new miners", () => {
    const router = new Router(new Scoreboard(), { incentiveFloor: 0.1, random: seeded(1) });
    const got = shares(router, [miner(0, 1), miner(1, 0.5), miner(2, 0)]);
    // Weights 1.1 : 0.6 : 0.1
    expect(got.get(0)).toBeCloseTo(1.1 / 1.8, 1);
    expect(got.get(1)).toBeCloseTo(0.6 / 1.8, 1);
    expect(got.get(2)).toBeCloseTo(0.1 / 1.8, 1);
  });

  it("prefers faster and more reliable miners at equal incentive", () => {
    const board = new Scoreboard();
    const router = new Router(board, { random: seeded(2), latencySmoothingMs: 0 });
    const miners = [miner(0, 1), miner(1, 1)];
    board.success(miners[0]!.key, 10);
    board.success(miners[1]!.key, 40);
    const got = shares(router, miners);
    expect(got.get(0)).toBeCloseTo(0.8, 1); // 1 : 0.25
    board.failure(miners[0]!.key, { cooldown: false });
    board.failure(miners[0]!.key, { cooldown: false });
    expect(router.weights(miners)[0]).toBeLessThan(1.1 * 0.65);
  });

  it("skips dead, cooling-down and already-tried miners", () => {
    let now = 1_000;
    const board = new Scoreboard({ cooldownBaseMs: 100, now: () => now });
    const router = new Router(board, { random: seeded(3) });
    const [a, b, c] = [miner(0, 1), miner(1, 1), miner(2, 1, false)];
    board.failure(a.key);
    for (let i = 0; i < 50; i++) expect(router.pick([a, b, c])!.uid).toBe(1);
    expect(router.pick([a, b, c], new Set([b.key]))!.uid).toBe(0); // only a left: probe it despite the cooldown
    expect(router.pick([a, b, c], new Set([a.key, b.key]))).toBeUndefined();
    now += 101;
    expect(new Set(Array.from({ length: 50 }, () => router.pick([a, b, c])!.uid))).toEqual(new Set([0, 1]));
  });

  it("doubles the cooldown with consecutive failures and clears it on success", () => {
    let now = 0;
    const board = new Scoreboard({ cooldownBaseMs: 100, cooldownMaxMs: 350, now: () => now });
    board.failure("k");
    expect(board.get("k").cooldownUntil).toBe(100);
    board.failure("k");
    expect(board.get("k").cooldownUntil).toBe(200);
    board.failure("k");
    expect(board.get("k").cooldownUntil).toBe(350);
    board.success("k", 5);
    expect(board.coolingDown("k")).toBe(false);
    now = 10;
    board.failure("k", { cooldown: false });
    expect(board.coolingDown("k")).toBe(false);
  });

  // Issue 23: a miner that refused a burst kept a low success record, got almost no traffic, and so
  // never earned it back (~30 minutes without paid traffic on the devnet).
  it("lets a miner's record recover while it is not picked", () => {
    let now = 0;
    const board = new Scoreboard({ now: () => now, recoveryMs: 30_000, cooldownBaseMs: 10 });
    const [a, b] = [miner(1, 1), miner(2, 1)];
    for (let i = 0; i < 20; i++) board.failure(a.key);
    const router = new Router(board, { random: seeded(5) });
    now += 100;
    expect(shares(router, [a, b]).get(1) ?? 0).toBeLessThan(0.01);
    now += 90_000; // three half-lives unobserved
    expect(board.successOf(a.key)).toBeGreaterThan(0.85);
    expect(shares(router, [a, b]).get(1)).toBeGreaterThan(0.35);
  });

  it("skips a miner at its capacity or busy, and says when every miner is", () => {
    let now = 0;
    const board = new Scoreboard({ now: () => now });
    const router = new Router(board, { random: seeded(9) });
    const [a, b] = [
      { ...miner(1, 1), capacity: 2 },
      { ...miner(2, 1), capacity: 1 },
    ];
    board.begin(a.key);
    board.begin(a.key);
    expect(router.pick([a, b])?.uid).toBe(2);
    expect(router.saturated([a, b])).toBe(false);
    board.overloaded(b.key, 1_000); // it answered 429: busy, not failed
    expect(board.successOf(b.key)).toBe(1);
    expect(router.pick([a, b])).toBeUndefined();
    expect(router.saturated([a, b])).toBe(true);
    now += 1_001;
    expect(router.pick([a, b])?.uid).toBe(2);
    board.end(a.key);
    expect(router.saturated([a, b])).toBe(false);
  });
});
