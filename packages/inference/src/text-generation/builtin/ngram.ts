/**
 * An interpolated Kneser-Ney trigram language model over token ids, fitted from counts, in the
 * compact form the ONNX graph (ngram-graph.ts) evaluates:
 *
 *   P1(w)     = max(N(.w) - D1, 0) / N(..) + D1 * T1 / N(..) / V           (continuation counts)
 *   P2(w|b)   = max(N(.bw) - D2, 0) / N(.b.) + D2 * T(b.) / N(.b.) * P1(w)  (dense V x V table)
 *   P3(w|a,b) = sum over stored (a,b,w) of val(a,b,w) + lambda(a,b) * P2(w|b)
 *
 * where val = max(c(abw) - D3, 0) / c(ab.). Only contexts (a,b) seen `minContextCount` times
 * keep trigram entries, at most `topK` of them; the mass of dropped entries goes to lambda, so
 * every row still sums to 1. Discounts are Ney's estimate n1 / (n1 + 2 n2) per order.
 */

export interface FitOptions {
  /** Trigram continuations kept per context (the most frequent). */
  readonly topK: number;
  /** Contexts seen fewer times keep no trigram entries (they back off to the bigram). */
  readonly minContextCount: number;
}

export interface TrigramModel {
  readonly vocabSize: number;
  /** Padding context before a document's first token, and the end-of-document token. */
  readonly bosId: number;
  readonly discounts: readonly [number, number, number];
  /** P2 as a row-major [V, V] table: bigram[b * V + w] = P(w | b). */
  readonly bigram: Float32Array;
  /** Stored contexts, sorted by key = a * V + b. */
  readonly contextKeys: Int32Array;
  /** Backoff weight per stored context. */
  readonly lambda: Float32Array;
  readonly topK: number;
  /** [contexts, topK] next-token ids; unused slots hold V (a padding column). */
  readonly nextIds: Int32Array;
  /** [contexts, topK] discounted trigram probabilities (0 in unused slots). */
  readonly nextProbs: Float32Array;
}

function neyDiscount(countOfCounts: Map<number, number>): number {
  const n1 = countOfCounts.get(1) ?? 0;
  const n2 = countOfCounts.get(2) ?? 0;
  if (n1 === 0) return 0.5;
  return Math.min(0.95, Math.max(0.05, n1 / (n1 + 2 * n2)));
}

function bump(map: Map<number, number>, key: number, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** Fits the model on documents (token id arrays); each document ends with an implicit BOS/EOS. */
export function fitTrigram(
  documents: readonly (readonly number[])[],
  vocabSize: number,
  bosId: number,
  options: FitOptions,
): TrigramModel {
  const V = vocabSize;
  const tri = new Map<number, number>(); // (a*V+b)*V+w -> count
  for (const doc of documents) {
    let a = bosId;
    let b = bosId;
    for (const w of [...doc, bosId]) {
      if (w < 0 || w >= V) throw new Error(`token id ${w} outside vocabulary of ${V}`);
      bump(tri, (a * V + b) * V + w);
      a = b;
      b = w;
    }
  }

  // Continuation counts: N(.bw) = distinct a before (b,w); N(.w) = distinct b before w.
  const cont2 = new Map<number, number>(); // b*V+w -> N(.bw)
  const contextTotals = new Map<number, number>(); // a*V+b -> c(ab.)
  const contextTypes = new Map<number, number>(); // a*V+b -> distinct w
  const coc3 = new Map<number, number>();
  for (const [key, c] of tri) {
    const w = key % V;
    const ab = (key - w) / V;
    const b = ab % V;
    bump(cont2, b * V + w);
    bump(contextTotals, ab, c);
    bump(contextTypes, ab);
    bump(coc3, c);
  }
  const cont1 = new Float64Array(V);
  const rowTotal2 = new Float64Array(V);
  const rowTypes2 = new Float64Array(V);
  const coc2 = new Map<number, number>();
  for (const [bw, c] of cont2) {
    const w = bw % V;
    const b = (bw - w) / V;
    cont1[w]! += 1;
    rowTotal2[b]! += c;
    rowTypes2[b]! += 1;
    bump(coc2, c);
  }
  const coc1 = new Map<number, number>();
  let total1 = 0;
  let types1 = 0;
  for (let w = 0; w < V; w++) {
    const c = cont1[w]!;
    if (c > 0) {
      bump(coc1, c);
      total1 += c;
      types1 += 1;
    }
  }
  const d1 = neyDiscount(coc1);
  const d2 = neyDiscount(coc2);
  const d3 = neyDiscount(coc3);

  const p1 = new Float64Array(V);
  for (let w = 0; w < V; w++) p1[w] = Math.max(cont1[w]! - d1, 0) / total1 + (d1 * types1) / total1 / V;

  const bigram = new Float32Array(V * V);
  const row = new Float64Array(V);
  for (let b = 0; b < V; b++) {
    const total = rowTotal2[b]!;
    const backoff = total > 0 ? (d2 * rowTypes2[b]!) / total : 1;
    for (let w = 0; w < V; w++) row[w] = backoff * p1[w]!;
    if (total > 0) {
      for (let w = 0; w < V; w++) {
        const c = cont2.get(b * V + w);
        if (c !== undefined) row[w]! += Math.max(c - d2, 0) / total;
      }
    }
    bigram.set(row, b * V);
  }

  // Trigram entries grouped by context.
  const byContext = new Map<number, [number, number][]>();
  for (const [key, c] of tri) {
    const w = key % V;
    const ab = (key - w) / V;
    if ((contextTotals.get(ab) ?? 0) < options.minContextCount) continue;
    let list = byContext.get(ab);
    if (!list) byContext.set(ab, (list = []));
    list.push([w, c]);
  }
  const keys = [...byContext.keys()].sort((x, y) => x - y);
  const K = options.topK;
  const contextKeys = new Int32Array(keys);
  const lambda = new Float32Array(keys.length);
  const nextIds = new Int32Array(keys.length * K).fill(V);
  const nextProbs = new Float32Array(keys.length * K);
  keys.forEach((ab, i) => {
    const total = contextTotals.get(ab) as number;
    const list = (byContext.get(ab) as [number, number][]).sort((x, y) => y[1] - x[1] || x[0] - y[0]).slice(0, K);
    let kept = 0;
    list.forEach(([w, c], j) => {
      const p = Math.max(c - d3, 0) / total;
      nextIds[i * K + j] = w;
      nextProbs[i * K + j] = p;
      kept += Math.fround(p);
    });
    lambda[i] = 1 - kept;
  });

  return {
    vocabSize: V,
    bosId,
    discounts: [d1, d2, d3],
    bigram,
    contextKeys,
    lambda,
    topK: K,
    nextIds,
    nextProbs,
  };
}

/** Index of a context key in the sorted table, or -1. */
export function findContext(model: TrigramModel, a: number, b: number): number {
  const key = a * model.vocabSize + b;
  let lo = 0;
  let hi = model.contextKeys.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const k = model.contextKeys[mid]!;
    if (k === key) return mid;
    if (k < key) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** P(w | a, b) computed in JavaScript, the reference the ONNX graph must reproduce. */
export function trigramProb(model: TrigramModel, a: number, b: number, w: number): number {
  const V = model.vocabSize;
  const base = model.bigram[b * V + w]!;
  const i = findContext(model, a, b);
  if (i < 0) return base;
  let p = model.lambda[i]! * base;
  for (let j = 0; j < model.topK; j++)
    if (model.nextIds[i * model.topK + j] === w) p += model.nextProbs[i * model.topK + j]!;
  return p;
}

/** Per-token perplexity of documents (each scored with its end-of-document token). */
export function perplexity(model: TrigramModel, documents: readonly (readonly number[])[]): number {
  let nll = 0;
  let n = 0;
  for (const doc of documents) {
    let a = model.bosId;
    let b = model.bosId;
    for (const w of [...doc, model.bosId]) {
      nll -= Math.log(trigramProb(model, a, b, w));
      n++;
      a = b;
      b = w;
    }
  }
  return Math.exp(nll / n);
}
