/**
 * Token selection: greedy argmax and seeded sampling with temperature, top-k and top-p,
 * driven by a deterministic PRNG so that (model, prompt, options, seed) fixes the output.
 */

export interface SamplingOptions {
  /** 0 or undefined: greedy. Otherwise logits are divided by it before the softmax. */
  readonly temperature?: number;
  /** Keep only the k most likely tokens (0 or undefined: no limit). */
  readonly topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (1 or undefined: no limit). */
  readonly topP?: number;
}

/** The candidate set sampling draws from: token ids, most likely first, and their probabilities. */
export interface SamplingDistribution {
  readonly ids: Int32Array;
  readonly probs: Float64Array;
}

/**
 * xoshiro128** seeded through splitmix32: small, fast, and the same sequence on every platform.
 * Seeds are integers (up to 2^53); equal seeds give equal streams.
 */
export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    let x = (seed >>> 0) ^ (Math.floor(seed / 2 ** 32) * 0x9e3779b9);
    const splitmix = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = splitmix();
    this.s1 = splitmix();
    this.s2 = splitmix();
    this.s3 = splitmix();
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A float in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Index of the largest logit; the lowest index wins a tie. */
export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i] as number;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

export function isGreedy(options: SamplingOptions): boolean {
  return options.temperature === undefined || options.temperature === 0;
}

export function validateSamplingOptions(options: SamplingOptions): void {
  const { temperature, topK, topP } = options;
  if (temperature !== undefined && !(Number.isFinite(temperature) && temperature >= 0)) {
    throw new RangeError(`temperature must be a finite number >= 0, got ${temperature}`);
  }
  if (topK !== undefined && !(Number.isInteger(topK) && topK >= 0)) {
    throw new RangeError(`topK must be an integer >= 0, got ${topK}`);
  }
  if (topP !== undefined && !(topP > 0 && topP <= 1)) throw new RangeError(`topP must be in (0, 1], got ${topP}`);
}

/**
 * The distribution a sampled token is drawn from: logits / temperature, cut to the top k,
 * softmax, cut to the nucleus of mass top p, renormalised. Candidates are ordered by
 * probability, ties by lower id. Greedy options give a single candidate.
 */
export function samplingDistribution(logits: ArrayLike<number>, options: SamplingOptions): SamplingDistribution {
  validateSamplingOptions(options);
  if (isGreedy(options)) return { ids: Int32Array.of(argmax(logits)), probs: Float64Array.of(1) };
  const temperature = options.temperature as number;
  const n = logits.length;
  const k = options.topK && options.topK < n ? options.topK : n;
  const order = topIndices(logits, k);
  const maxLogit = logits[order[0] as number] as number;
  const probs = new Float64Array(order.length);
  let total = 0;
  for (let i = 0; i < order.length; i++) {
    const p = Math.exp(((logits[order[i] as number] as number) - maxLogit) / temperature);
    probs[i] = p;
    total += p;
  }
  let keep = order.length;
  const topP = options.topP ?? 1;
  if (topP < 1) {
    let cumulative = 0;
    for (let i = 0; i < order.length; i++) {
      cumulative += (probs[i] as number) / total;
      if (cumulative >= topP) {
        keep = i + 1;
        break;
      }
    }
  }
  let kept = 0;
  for (let i = 0; i < keep; i++) kept += probs[i] as number;
  const outProbs = new Float64Array(keep);
  for (let i = 0; i < keep; i++) outProbs[i] = (probs[i] as number) / kept;
  return { ids: order.subarray(0, keep), probs: outProbs };
}

/** Picks the next token: argmax when greedy, else a draw from samplingDistribution with rng. */
export function selectToken(logits: ArrayLike<number>, options: SamplingOptions, rng: Prng | null): number {
  if (isGreedy(options)) return argmax(logits);
  if (!rng) throw new Error("sampling needs a PRNG");
  const { ids, probs } = samplingDistribution(logits, options);
  const u = rng.nextFloat();
  let cumulative = 0;
  for (let i = 0; i < ids.length; i++) {
    cumulative += probs[i] as number;
    if (u < cumulative) return ids[i] as number;
  }
  return ids[ids.length - 1] as number;
}

/** Indices of the k largest values, largest first, ties by lower index. NaN ranks last. */
function topIndices(values: ArrayLike<number>, k: number): Int32Array {
  const n = values.length;
  const key = (i: number): number => {
    const v = values[i] as number;
    return Number.isNaN(v) ? -Infinity : v;
  };
  const before = (i: number, j: number): boolean => key(i) > key(j) || (key(i) === key(j) && i < j);
  if (k >= n) {
    const all = Int32Array.from({ length: n }, (_, i) => i);
    return all.sort((i, j) => (before(i, j) ? -1 : before(j, i) ? 1 : 0));
  }
  // Min-heap (by `before` order) of the best k seen so far.
  const heap = new Int32Array(k);
  let size = 0;
  const worse = (i: number, j: number): boolean => before(j, i);
  const siftUp = (pos: number): void => {
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      if (!worse(heap[pos] as number, heap[parent] as number)) break;
      [heap[pos], heap[parent]] = [heap[parent] as number, heap[pos] as number];
      pos = parent;
    }
  };
  const siftDown = (pos: number): void => {
    for (;;) {
      const l = 2 * pos + 1;
      const r = l + 1;
      let m = pos;
      if (l < size && worse(heap[l] as number, heap[m] as number)) m = l;
      if (r < size && worse(heap[r] as number, heap[m] as number)) m = r;
      if (m === pos) return;
      [heap[pos], heap[m]] = [heap[m] as number, heap[pos] as number];
      pos = m;
    }
  };
  for (let i = 0; i < n; i++) {
    if (size < k) {
      heap[size++] = i;
      siftUp(size - 1);
    } else if (before(i, heap[0] as number)) {
      heap[0] = i;
      siftDown(0);
    }
  }
  return heap.sort((i, j) => (before(i, j) ? -1 : before(j, i) ? 1 : 0));
}
