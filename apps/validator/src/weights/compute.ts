import { AbiCoder, keccak256 } from "ethers";
import type { MinerScore } from "../aggregator";

export const U16_MAX = 65_535;

/** A weights row as the consensus contract takes it: strictly increasing UIDs, u16 weights. */
export interface WeightsRow {
  uids: number[];
  weights: number[];
}

export interface WeightsFromScoresOptions {
  /** Current holder of each UID (index = UID), lower or mixed case. */
  hotkeys: readonly string[];
  registeredAt: readonly number[];
  /** The validator's own UID (never weighted). */
  selfUid?: number;
  /** Largest share one weight may have, of 65,535 (65,535: no limit). */
  maxWeight?: number;
}

export type WeightsOutcome = { row: WeightsRow } | { skip: "no-scores" | "max-weight" };

/**
 * Turns EMA scores into a weights row: only UIDs whose score belongs to their current holder
 * (same hotkey and registration block) and is above 0, scaled so the best gets 65,535, then capped
 * so no share exceeds the subnet's max weight (the excess goes to the others in proportion).
 */
export function weightsFromScores(
  scores: readonly (MinerScore | undefined)[],
  opts: WeightsFromScoresOptions,
): WeightsOutcome {
  const picked: { uid: number; value: number }[] = [];
  scores.forEach((s, uid) => {
    if (!s || uid === opts.selfUid || uid >= opts.hotkeys.length) return;
    if (s.hotkey.toLowerCase() !== (opts.hotkeys[uid] ?? "").toLowerCase()) return;
    if (s.registeredAt !== opts.registeredAt[uid]) return;
    if (s.ema > 0 && Number.isFinite(s.ema)) picked.push({ uid, value: s.ema });
  });
  if (picked.length === 0) return { skip: "no-scores" };
  const maxWeight = opts.maxWeight ?? U16_MAX;
  let shares = normalise(picked.map((p) => p.value));
  if (maxWeight < U16_MAX) {
    const capped = capShares(shares, (maxWeight / U16_MAX) * (1 - 1e-6));
    if (!capped) return { skip: "max-weight" };
    shares = capped;
  }
  const top = Math.max(...shares);
  const uids: number[] = [];
  const weights: number[] = [];
  picked.forEach((p, i) => {
    const w = Math.floor(((shares[i] as number) / top) * U16_MAX + 1e-9);
    if (w > 0) {
      uids.push(p.uid);
      weights.push(w);
    }
  });
  const row = { uids, weights };
  // Flooring to integers can push a capped share a hair over: lower the offenders until it holds.
  for (let i = 0; i < 64 && !withinMaxWeight(row, maxWeight); i++) {
    const sum = weights.reduce((a, b) => a + b, 0);
    const limit = Math.floor((maxWeight * sum) / U16_MAX);
    weights.forEach((w, j) => {
      if (w > limit) weights[j] = limit;
    });
  }
  if (weights.some((w) => w <= 0) || !withinMaxWeight(row, maxWeight)) return { skip: "max-weight" };
  return { row };
}

/** The contract's check: weight x 65,535 <= maxWeight x sum for every entry. */
export function withinMaxWeight(row: WeightsRow, maxWeight: number): boolean {
  if (maxWeight >= U16_MAX) return true;
  const sum = row.weights.reduce((a, b) => a + b, 0);
  return sum > 0 && row.weights.every((w) => w * U16_MAX <= maxWeight * sum);
}

function normalise(xs: number[]): number[] {
  const sum = xs.reduce((a, b) => a + b, 0);
  return xs.map((x) => x / sum);
}

/** Water-filling: clamps shares at `cap` and spreads the excess over the rest; undefined if impossible. */
function capShares(shares: number[], cap: number): number[] | undefined {
  if (shares.length * cap < 1) return undefined;
  const out = [...shares];
  const fixed = new Set<number>();
  for (;;) {
    const over = out.map((s, i) => (!fixed.has(i) && s > cap ? i : -1)).filter((i) => i >= 0);
    if (over.length === 0) return out;
    for (const i of over) {
      out[i] = cap;
      fixed.add(i);
    }
    const room = 1 - fixed.size * cap;
    const free = out.reduce((a, s, i) => (fixed.has(i) ? a : a + s), 0);
    if (free <= 0) return undefined;
    out.forEach((s, i) => {
      if (!fixed.has(i)) out[i] = (s / free) * room;
    });
  }
}

/** keccak256(abi.encode(uint16 netuid, address hotkey, uint16[] uids, uint16[] weights, bytes32 salt, uint64 versionKey)) */
export function commitHash(netuid: number, hotkey: string, row: WeightsRow, salt: string, versionKey: bigint): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["uint16", "address", "uint16[]", "uint16[]", "bytes32", "uint64"],
      [netuid, hotkey, row.uids, row.weights, salt, versionKey],
    ),
  );
}
