/** How answer time weighs on a score: full marks up to `targetMs`, then down linearly to `floor` at the timeout. */
export interface LatencyPolicy {
  targetMs: number;
  timeoutMs: number;
  /** Factor of an answer that arrives just before the timeout, in [0, 1]. */
  floor: number;
}

export function latencyFactor(latencyMs: number, p: LatencyPolicy): number {
  if (!(latencyMs > p.targetMs)) return 1;
  if (latencyMs >= p.timeoutMs) return p.floor;
  const span = p.timeoutMs - p.targetMs;
  return 1 - (1 - p.floor) * ((latencyMs - p.targetMs) / span);
}

/** Clamps a quality or score into [0, 1]; NaN counts as 0. */
export function unit(x: number): number {
  return x > 0 ? (x < 1 ? x : 1) : 0;
}
