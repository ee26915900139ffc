/** The staking property test's actions, its reference pool model and helpers (Staking.property.test.ts). */
import fc from "fast-check";
import type { Log } from "ethers";
import type { Staking } from "@noosphere/contracts";
import { BPS, MAX_TAKE } from "./fixtures";

export const RUNS = 1_000;
export const MIN = 1_000n; // a small minimum delegation, to reach the rounding edge cases
export const COOLDOWN = 3n;
export const ACTORS = 4; // 0: owner of hotkey 0, 1: owner of hotkey 1, 2 and 3: plain delegators
export const OWNER_OF = [0, 1];
export const FULL = 1_000_000n; // undelegate fractions are in millionths

export type Action =
  | { kind: "delegate"; actor: number; hotkey: number; amount: bigint }
  | { kind: "undelegate"; actor: number; hotkey: number; pick: number | null; part: bigint; slip: boolean }
  | { kind: "withdraw"; actor: number; pick: number | null; max: number }
  | { kind: "distribute"; hotkey: number; incentive: bigint; dividends: bigint }
  | { kind: "batch"; incentives: [bigint, bigint]; dividends: [bigint, bigint] }
  | { kind: "credit"; actor: number; amount: bigint }
  | { kind: "claim"; actor: number; pick: number | null }
  | { kind: "decreaseTake"; hotkey: number; take: bigint }
  | { kind: "mine"; blocks: number };

export const actor = fc.integer({ min: 0, max: ACTORS - 1 });
export const hotkey = fc.integer({ min: 0, max: 1 });
// mostly aim at an existing position / thaw queue / claimable balance (null: the random actor as given)
export const pick = fc.option(fc.nat(), { freq: 5, nil: null });
export const amount = fc.oneof(
  fc.bigInt(0n, 10_000n),
  fc.bigInt(10_000n, 10n ** 12n),
  fc.bigInt(10n ** 15n, 10n ** 23n),
); // 8 steps of at most 1e23 stay within the funds below
export const reward = fc.oneof(fc.constant(0n), fc.bigInt(1n, 10_000n), fc.bigInt(10n ** 12n, 10n ** 23n));
export const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("delegate" as const), actor, hotkey, amount }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("undelegate" as const),
      actor,
      hotkey,
      pick,
      // FULL + 1: one share more than held
      part: fc.oneof(fc.constant(FULL), fc.constant(FULL + 1n), fc.bigInt(1n, FULL), fc.bigInt(1n, 100n)),
      slip: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("withdraw" as const), actor, pick, max: fc.integer({ min: 0, max: 3 }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("distribute" as const), hotkey, incentive: reward, dividends: reward }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("batch" as const),
      incentives: fc.tuple(reward, reward),
      dividends: fc.tuple(reward, reward),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("credit" as const), actor, amount: reward }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("claim" as const), actor, pick }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("decreaseTake" as const), hotkey, take: fc.bigInt(0n, MAX_TAKE) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("mine" as const), blocks: fc.integer({ min: 1, max: 5 }) }) },
);

export interface Pool {
  pooled: bigint;
  shares: bigint;
}

/** The contract's state as the model predicts it, plus what each account is owed at most. */
export class Model {
  block: bigint;
  pools: Pool[] = [0, 1].map(() => ({ pooled: 0n, shares: 0n }));
  take: bigint[] = [MAX_TAKE, 500n];
  shares: bigint[][] = [0, 1].map(() => new Array<bigint>(ACTORS).fill(0n));
  claimable: bigint[] = new Array<bigint>(ACTORS).fill(0n);
  queues: { amount: bigint; ready: bigint }[][] = Array.from({ length: ACTORS }, () => []);
  nextId: bigint[] = new Array<bigint>(ACTORS).fill(0n);
  totals = { pooled: 0n, claimable: 0n, thawing: 0n };
  deposited: bigint[][] = [0, 1].map(() => new Array<bigint>(ACTORS).fill(0n));
  takenOut: bigint[][] = [0, 1].map(() => new Array<bigint>(ACTORS).fill(0n));
  allowance: bigint[][] = [0, 1].map(() => new Array<bigint>(ACTORS).fill(0n)); // rewards and dust owed
  credited: bigint[] = new Array<bigint>(ACTORS).fill(0n);
  claimed: bigint[] = new Array<bigint>(ACTORS).fill(0n);

  constructor(block: bigint) {
    this.block = block;
  }

  clone(): Model {
    return Object.assign(new Model(this.block), structuredClone({ ...this }));
  }

  /** Books a hotkey's rewards; returns the owner's take. */
  reward(h: number, incentive: bigint, dividends: bigint): bigint {
    const pool = this.pools[h]!;
    const ownerTake = pool.shares === 0n ? dividends : (dividends * this.take[h]!) / BPS;
    const toPool = dividends - ownerTake;
    for (let b = 0; b < ACTORS; b++) {
      const s = this.shares[h]![b]!;
      if (s > 0n) this.allowance[h]![b]! += ceilDiv(toPool * s, pool.shares);
    }
    pool.pooled += toPool;
    const owner = OWNER_OF[h]!;
    this.claimable[owner]! += incentive + ownerTake;
    this.credited[owner]! += incentive + ownerTake;
    this.totals.pooled += toPool;
    this.totals.claimable += incentive + ownerTake;
    return ownerTake;
  }
}

export function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/** Error name a call reverts with in the next block, or null if it succeeds. */
export async function revertName(staking: Staking, call: Promise<unknown>): Promise<string | null> {
  try {
    await call;
    return null;
  } catch (e) {
    const data = (e as { data?: string }).data;
    if (!data) throw e;
    return staking.interface.parseError(data)?.name ?? `unparsed ${data}`;
  }
}

export function eventArgs(staking: Staking, logs: readonly Log[], name: string): bigint[][] {
  const out: bigint[][] = [];
  for (const log of logs) {
    const parsed = staking.interface.parseLog(log);
    if (parsed?.name === name) out.push(parsed.args.toArray().filter((v) => typeof v === "bigint") as bigint[]);
  }
  return out;
}
