/**
 * Expresses a fitted trigram model (ngram.ts) as an ONNX decoder with the standard names of an
 * exported causal LM, so the generic generation loop runs it like any other model:
 *
 *   inputs   input_ids [batch, sequence_length] int64
 *            attention_mask [batch, total_sequence_length] int64 (accepted; batch 1 needs no masking)
 *            past_key_values.0.key / .value [batch, 1, past_sequence_length, 1] float32
 *   outputs  logits [batch, sequence_length, vocab] float32 (log-probabilities)
 *            present.0.key / .value [batch, 1, total_sequence_length, 1] float32
 *
 * The "KV cache" holds the token ids seen so far (as floats, exact below 2^24): present = past
 * ++ input_ids, and the trigram context (a, b) of each position is read from it. So decoding with
 * a cache and re-running the whole sequence give the same logits, as with a transformer.
 *
 * The context row is found with a branchless binary search over the sorted context keys
 * (a * V + b), unrolled into log2(table size) Gather/LessOrEqual/Where steps.
 */
import { GraphBuilder } from "../onnx-graph";
import type { TrigramModel } from "./ngram";

export const NGRAM_CACHE_LAYERS = 1;

export function buildNgramDecoder(model: TrigramModel, options: { name?: string } = {}): Uint8Array {
  const V = model.vocabSize;
  const K = model.topK;
  const C = model.contextKeys.length;
  if (V * V >= 2 ** 31) throw new Error(`vocabulary of ${V} is too large for int32 context keys`);
  if (V > 32767) throw new Error(`vocabulary of ${V} does not fit the int16 id table`);
  const g = new GraphBuilder(options.name ?? "noos-ngram");

  const ids = g.input("input_ids", "int64", ["batch_size", "sequence_length"]);
  g.input("attention_mask", "int64", ["batch_size", "total_sequence_length"]);
  const pastK = g.input("past_key_values.0.key", "float32", ["batch_size", 1, "past_sequence_length", 1]);
  const pastV = g.input("past_key_values.0.value", "float32", ["batch_size", 1, "past_sequence_length", 1]);

  // Cache: the ids seen so far.
  const ids4 = g.unsqueeze(g.cast(ids, "float32"), [1, 3]);
  const presentK = g.concat([pastK, ids4], 2, "present.0.key");
  g.concat([pastV, ids4], 2, "present.0.value");
  const full = g.cast(g.squeeze(presentK, [1, 3]), "int64"); // [B, T]

  // a = the token before each input position (BOS before the first).
  const batch = g.dim(ids, 0);
  const bosPair = g.node("Expand", [g.int64([model.bosId, model.bosId], [1, 2]), g.concat([batch, g.int64([2])], 0)]);
  const padded = g.concat([bosPair, full], 1); // [B, T + 2]
  const seqLen = g.dim(ids, 1);
  const start = g.node("Neg", [g.add(seqLen, g.int64([1]))]);
  const prev = g.slice(padded, start, g.int64([-1]), [1]); // [B, S]
  const key = g.cast(g.add(g.mul(prev, g.int64(V)), ids), "int32");

  // Binary search: table[0] = -1 sentinel, table[1..C] = sorted keys, then int32 max padding.
  let levels = 1;
  while (2 ** levels < C + 1) levels++;
  const size = 2 ** levels;
  const table = new Int32Array(size).fill(2 ** 31 - 1);
  table[0] = -1;
  table.set(model.contextKeys, 1);
  const keyTable = g.initializer("context_keys", "int32", [size], table);
  let pos = g.mul(g.cast(key, "int64"), g.int64(0));
  for (let step = size / 2; step >= 1; step /= 2) {
    const cand = g.add(pos, g.int64(step));
    const ok = g.node("LessOrEqual", [g.gather(keyTable, cand), key]);
    pos = g.node("Where", [ok, cand, pos]);
  }
  const found = g.node("Equal", [g.gather(keyTable, pos), key]);
  const row = g.node("Where", [found, pos, g.int64(0)]); // row 0: no stored context

  // Row 0 backs off fully; rows 1..C are the stored contexts.
  const lambda = new Float32Array(C + 1);
  lambda[0] = 1;
  lambda.set(model.lambda, 1);
  const nextIds = new Int16Array((C + 1) * K).fill(V);
  nextIds.set(Int16Array.from(model.nextIds), K);
  const nextProbs = new Float32Array((C + 1) * K);
  nextProbs.set(model.nextProbs, K);
  const lambdaT = g.initializer("backoff", "float32", [C + 1], lambda);
  const idsT = g.initializer("next_ids", "int16", [C + 1, K], nextIds);
  const probsT = g.initializer("next_probs", "float32", [C + 1, K], nextProbs);
  const bigramT = g.initializer("bigram", "float32", [V, V], model.bigram);

  const base = g.mul(g.gather(bigramT, ids), g.unsqueeze(g.gather(lambdaT, row), [2])); // [B, S, V]
  const zeroCol = g.mul(g.slice(base, g.int64([0]), g.int64([1]), [2]), g.float(0)); // [B, S, 1]
  const withPad = g.concat([base, zeroCol], 2); // [B, S, V + 1]
  const scattered = g.node("ScatterElements", [withPad, g.cast(g.gather(idsT, row), "int64"), g.gather(probsT, row)], {
    axis: { int: 2 },
    reduction: { string: "add" },
  });
  const probs = g.slice(scattered, g.int64([0]), g.int64([V]), [2]);
  g.node("Log", [probs], {}, "logits");

  g.output("logits", "float32", ["batch_size", "sequence_length", V]);
  g.output("present.0.key", "float32", ["batch_size", 1, "total_sequence_length", 1]);
  g.output("present.0.value", "float32", ["batch_size", 1, "total_sequence_length", 1]);
  return g.encode({
    producerName: "noosphere build-builtin-model",
    docString: "Interpolated Kneser-Ney trigram language model as an ONNX causal-LM decoder.",
  });
}
