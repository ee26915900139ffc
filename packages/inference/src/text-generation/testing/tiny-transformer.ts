/**
 * A tiny GPT-style transformer with random weights, exported with the standard decoder names
 * (input_ids, attention_mask, optional position_ids, past_key_values.{i}.key/value ->
 * present.{i}.key/value, logits). Tests and benchmarks use it to check the KV-cache path
 * against full re-computation. Not a useful language model.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { tokenizerConfigJson, tokenizerJson, trainBpe } from "../builtin/bpe-trainer";
import { GraphBuilder } from "../onnx-graph";
import { Prng } from "../sampling";

export interface TinyTransformerOptions {
  /** Default 257: the byte-level tokenizer written beside it (one special token + 256 bytes). */
  readonly vocabSize?: number;
  readonly hidden?: number;
  readonly heads?: number;
  readonly layers?: number;
  readonly ffn?: number;
  readonly maxPositions?: number;
  /** Take position_ids as an input (default) or derive positions from the past length. */
  readonly positionIdsInput?: boolean;
  readonly seed?: number;
}

export interface TinyTransformer {
  readonly onnx: Uint8Array;
  readonly config: Record<string, unknown>;
}

export function buildTinyTransformer(options: TinyTransformerOptions = {}): TinyTransformer {
  const V = options.vocabSize ?? 257;
  const D = options.hidden ?? 32;
  const H = options.heads ?? 4;
  const L = options.layers ?? 2;
  const F = options.ffn ?? 4 * D;
  const maxPositions = options.maxPositions ?? 256;
  const Dh = D / H;
  if (!Number.isInteger(Dh)) throw new Error(`hidden ${D} is not a multiple of heads ${H}`);
  const rng = new Prng(options.seed ?? 1);
  const g = new GraphBuilder("tiny-transformer");
  const weights = (prefix: string, dims: number[], scale: number): string =>
    g.initializer(
      prefix,
      "float32",
      dims,
      Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => (rng.nextFloat() * 2 - 1) * scale),
    );
  const filled = (prefix: string, n: number, value: number): string =>
    g.initializer(prefix, "float32", [n], new Float32Array(n).fill(value));

  const ids = g.input("input_ids", "int64", ["batch_size", "sequence_length"]);
  const mask = g.input("attention_mask", "int64", ["batch_size", "total_sequence_length"]);
  const positionIds =
    options.positionIdsInput === false ? null : g.input("position_ids", "int64", ["batch_size", "sequence_length"]);
  const pasts = Array.from({ length: L }, (_, l) => ({
    key: g.input(`past_key_values.${l}.key`, "float32", ["batch_size", H, "past_sequence_length", Dh]),
    value: g.input(`past_key_values.${l}.value`, "float32", ["batch_size", H, "past_sequence_length", Dh]),
  }));

  // Positions of the new tokens: past .. total - 1.
  const total = g.squeeze(g.dim(mask, 1), [0]);
  const past = g.sub(total, g.squeeze(g.dim(ids, 1), [0]));
  const queryPos = g.node("Range", [past, total, g.int64(1)]); // [S]
  const keyPos = g.node("Range", [g.int64(0), total, g.int64(1)]); // [T]
  const causal = g.node("LessOrEqual", [g.unsqueeze(keyPos, [0]), g.unsqueeze(queryPos, [1])]); // [S, T]
  const visible = g.node("And", [causal, g.unsqueeze(g.cast(mask, "bool"), [1, 2])]); // [B, 1, S, T]
  const bias = g.node("Where", [visible, g.float(0), g.float(-1e9)]);
  const positions = positionIds ?? g.unsqueeze(queryPos, [0]);

  let x = g.add(g.gather(weights("wte", [V, D], 1), ids), g.gather(weights("wpe", [maxPositions, D], 0.5), positions));
  const headShape = g.int64([0, 0, H, Dh]);
  const splitHeads = (t: string): string => g.transpose(g.reshape(t, headShape), [0, 2, 1, 3]); // [B, H, S, Dh]
  const scale = g.float(1 / Math.sqrt(Dh));
  const w = 1 / Math.sqrt(D);
  for (let l = 0; l < L; l++) {
    const h = g.layerNorm(x, filled("ln1_g", D, 1), filled("ln1_b", D, 0));
    const q = splitHeads(g.matMul(h, weights("wq", [D, D], w)));
    const k = splitHeads(g.matMul(h, weights("wk", [D, D], w)));
    const v = splitHeads(g.matMul(h, weights("wv", [D, D], w)));
    const keys = g.concat([pasts[l]!.key, k], 2, `present.${l}.key`);
    const values = g.concat([pasts[l]!.value, v], 2, `present.${l}.value`);
    const scores = g.add(g.mul(g.matMul(q, g.transpose(keys, [0, 1, 3, 2])), scale), bias); // [B, H, S, T]
    const attended = g.matMul(g.softmax(scores, -1), values); // [B, H, S, Dh]
    const merged = g.reshape(g.transpose(attended, [0, 2, 1, 3]), g.int64([0, 0, D]));
    x = g.add(x, g.matMul(merged, weights("wo", [D, D], w)));
    const h2 = g.layerNorm(x, filled("ln2_g", D, 1), filled("ln2_b", D, 0));
    const up = g.add(g.matMul(h2, weights("w1", [D, F], w)), weights("b1", [F], 0.1));
    const act = g.mul(up, g.node("Sigmoid", [up]));
    x = g.add(x, g.matMul(act, weights("w2", [F, D], 1 / Math.sqrt(F))));
  }
  const final = g.layerNorm(x, filled("lnf_g", D, 1), filled("lnf_b", D, 0));
  g.matMul(final, weights("lm_head", [D, V], 2 * w), "logits");

  g.output("logits", "float32", ["batch_size", "sequence_length", V]);
  for (let l = 0; l < L; l++) {
    g.output(`present.${l}.key`, "float32", ["batch_size", H, "total_sequence_length", Dh]);
    g.output(`present.${l}.value`, "float32", ["batch_size", H, "total_sequence_length", Dh]);
  }
  const config = {
    _name_or_path: "tiny-transformer",
    model_type: "gpt2",
    vocab_size: V,
    hidden_size: D,
    num_attention_heads: H,
    num_hidden_layers: L,
    max_position_embeddings: maxPositions,
    bos_token_id: 0,
    eos_token_id: 0,
  };
  return {
    onnx: g.encode({ producerName: "noosphere tiny-transformer fixture" }),
    config,
  };
}

/** Writes the transformer and a byte-level tokenizer (vocabulary 257) as an export folder. */
export async function writeTinyTransformer(
  dir: string,
  options: TinyTransformerOptions = {},
): Promise<TinyTransformer> {
  const model = buildTinyTransformer({ ...options, vocabSize: 257 });
  const bytes = trainBpe([], { vocabSize: 257, specialToken: "<|endoftext|>" });
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "model.onnx"), model.onnx);
  await writeFile(path.join(dir, "config.json"), JSON.stringify(model.config, null, 2));
  await writeFile(path.join(dir, "tokenizer.json"), JSON.stringify(tokenizerJson(bytes)));
  await writeFile(path.join(dir, "tokenizer_config.json"), JSON.stringify(tokenizerConfigJson(bytes, 256)));
  return model;
}
