/**
 * One decoder-only ONNX session with the standard exported names (input_ids, attention_mask,
 * optional position_ids, past_key_values.{i}.key/value -> present.{i}.key/value, logits).
 * The input/output names and shapes come from the session metadata; the cache dimensions it
 * leaves symbolic come from the model's config.json.
 */
import * as ort from "onnxruntime-node";

/** The fields of a Hugging Face config.json this module reads (all optional). */
export interface DecoderModelConfig {
  readonly num_hidden_layers?: number;
  readonly n_layer?: number;
  readonly num_attention_heads?: number;
  readonly n_head?: number;
  readonly num_key_value_heads?: number;
  readonly hidden_size?: number;
  readonly n_embd?: number;
  readonly head_dim?: number;
  readonly vocab_size?: number;
}

/** One cache tensor: what it is fed as, what it comes back as, and its empty shape. */
export interface CacheSlot {
  readonly input: string;
  readonly output: string;
  readonly type: ort.Tensor.Type;
  /** [batch, heads, 0, headDim] style shape with the past length set to 0. */
  readonly emptyDims: readonly number[];
  /** Axis holding the sequence length. */
  readonly sequenceAxis: number;
}

export interface DecoderIO {
  /** Element type of input_ids, attention_mask and position_ids as the model declares it. */
  readonly indexType: "int64" | "int32";
  readonly inputIds: string;
  readonly attentionMask: string | null;
  readonly positionIds: string | null;
  /** Merged decoders (optimum) switch branches on this boolean input. */
  readonly useCacheBranch: string | null;
  readonly logits: string;
  readonly cache: readonly CacheSlot[];
}

/** The cache carried between steps: the tensors for the past inputs and how many tokens they cover. */
export interface DecoderState {
  readonly past: ReadonlyMap<string, ort.Tensor>;
  readonly length: number;
}

export interface ForwardResult {
  /** Logits for every input position, row-major [positions, vocab]. */
  readonly logits: Float32Array;
  readonly positions: number;
  readonly vocabSize: number;
  /** The cache after these tokens (length = previous length + positions). */
  readonly state: DecoderState;
}

const PAST = /^past_key_values\.(\d+)\.(key|value)$/;

function firstNumber(...values: (number | undefined)[]): number | undefined {
  return values.find((v) => typeof v === "number" && Number.isFinite(v));
}

function tensorMeta(
  meta: readonly ort.InferenceSession.ValueMetadata[],
  name: string,
): ort.InferenceSession.TensorValueMetadata {
  const m = meta.find((x) => x.name === name);
  if (!m || !m.isTensor) throw new Error(`model value ${name} is not a tensor`);
  return m;
}

/** Works out the decoder's inputs, outputs and cache layout from session metadata and config. */
export function describeDecoder(session: ort.InferenceSession, config: DecoderModelConfig): DecoderIO {
  const inputs = new Set(session.inputNames);
  const outputs = new Set(session.outputNames);
  if (!inputs.has("input_ids"))
    throw new Error(`not a decoder-only model: no input_ids input (inputs: ${session.inputNames.join(", ")})`);
  if (!outputs.has("logits"))
    throw new Error(`not a causal LM: no logits output (outputs: ${session.outputNames.join(", ")})`);

  const numHeads = firstNumber(config.num_attention_heads, config.n_head);
  const numKvHeads = firstNumber(config.num_key_value_heads, numHeads);
  const hidden = firstNumber(config.hidden_size, config.n_embd);
  const headDim = firstNumber(config.head_dim, hidden !== undefined && numHeads ? hidden / numHeads : undefined);

  const cache: CacheSlot[] = [];
  const known = new Set(["input_ids", "attention_mask", "position_ids", "use_cache_branch"]);
  const layers = new Set<number>();
  for (const name of session.inputNames) {
    const match = PAST.exec(name);
    if (!match) {
      if (!known.has(name)) throw new Error(`unsupported model input ${name}`);
      continue;
    }
    layers.add(Number(match[1]));
    const output = `present.${match[1]}.${match[2]}`;
    if (!outputs.has(output)) throw new Error(`model has input ${name} but no output ${output}`);
    const meta = tensorMeta(session.inputMetadata, name);
    if (meta.shape.length !== 4) throw new Error(`cache input ${name} has rank ${meta.shape.length}, expected 4`);
    // [batch, kv heads, past length, head dim]; fixed sizes in the metadata win over config.json.
    const dims = meta.shape.map((d, axis): number => {
      if (axis === 0 || axis === 2) return axis === 0 ? 1 : 0;
      if (typeof d === "number" && d > 0) return d;
      const fromConfig = axis === 1 ? numKvHeads : headDim;
      if (fromConfig === undefined) {
        throw new Error(
          `cache input ${name}: dimension ${axis} (${d}) is symbolic and config.json gives no ${axis === 1 ? "num_key_value_heads/num_attention_heads" : "head_dim/hidden_size"}`,
        );
      }
      return fromConfig;
    });
    cache.push({
      input: name,
      output,
      type: meta.type,
      emptyDims: dims,
      sequenceAxis: 2,
    });
  }
  const numLayers = firstNumber(config.num_hidden_layers, config.n_layer);
  if (cache.length > 0 && numLayers !== undefined && layers.size !== numLayers) {
    throw new Error(`model has cache inputs for ${layers.size} layers but config.json says ${numLayers}`);
  }

  const idsType = tensorMeta(session.inputMetadata, "input_ids").type;
  if (idsType !== "int64" && idsType !== "int32") throw new Error(`input_ids must be int64 or int32, not ${idsType}`);
  return {
    indexType: idsType,
    inputIds: "input_ids",
    attentionMask: inputs.has("attention_mask") ? "attention_mask" : null,
    positionIds: inputs.has("position_ids") ? "position_ids" : null,
    useCacheBranch: inputs.has("use_cache_branch") ? "use_cache_branch" : null,
    logits: "logits",
    cache,
  };
}

function emptyTensor(type: ort.Tensor.Type, dims: readonly number[]): ort.Tensor {
  switch (type) {
    case "float32":
      return new ort.Tensor("float32", new Float32Array(0), dims);
    case "float16":
      return new ort.Tensor("float16", new Uint16Array(0), dims);
    default:
      throw new Error(`unsupported cache element type ${type}`);
  }
}

function indexTensor(type: "int64" | "int32", values: readonly number[], dims: readonly number[]): ort.Tensor {
  if (type === "int32") return new ort.Tensor("int32", Int32Array.from(values), dims);
  return new ort.Tensor(
    "int64",
    BigInt64Array.from(values, (v) => BigInt(v)),
    dims,
  );
}

function onesTensor(type: "int64" | "int32", length: number): ort.Tensor {
  if (type === "int32") return new ort.Tensor("int32", new Int32Array(length).fill(1), [1, length]);
  return new ort.Tensor("int64", new BigInt64Array(length).fill(1n), [1, length]);
}

/** IEEE half-precision bits to a float. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function toFloat32(t: ort.Tensor): Float32Array {
  if (t.type === "float32") return t.data as Float32Array;
  if (t.type === "float16") return Float32Array.from(t.data as Uint16Array, halfToFloat);
  throw new Error(`unsupported logits element type ${t.type}`);
}

export class DecoderSession {
  constructor(
    readonly session: ort.InferenceSession,
    readonly io: DecoderIO,
  ) {}

  /** True when the model takes past_key_values, so one token per step is enough. */
  get hasCache(): boolean {
    return this.io.cache.length > 0;
  }

  /** The state before any token: every past tensor empty (past length 0). */
  emptyState(): DecoderState {
    return {
      past: new Map(this.io.cache.map((c) => [c.input, emptyTensor(c.type, c.emptyDims)])),
      length: 0,
    };
  }

  /**
   * Runs `ids` after the tokens `state` covers. Without a cache, callers pass the whole
   * sequence with emptyState() each time.
   */
  async forward(ids: readonly number[], state: DecoderState): Promise<ForwardResult> {
    if (ids.length === 0) throw new Error("forward needs at least one token");
    const past = state.length;
    const total = past + ids.length;
    const type = this.io.indexType;
    const feeds: Record<string, ort.Tensor> = {
      [this.io.inputIds]: indexTensor(type, ids, [1, ids.length]),
    };
    if (this.io.attentionMask) feeds[this.io.attentionMask] = onesTensor(type, total);
    if (this.io.positionIds)
      feeds[this.io.positionIds] = indexTensor(
        type,
        ids.map((_, i) => past + i),
        [1, ids.length],
      );
    if (this.io.useCacheBranch)
      feeds[this.io.useCacheBranch] = new ort.Tensor("bool", Uint8Array.of(past > 0 ? 1 : 0), [1]);
    for (const slot of this.io.cache) {
      const t = state.past.get(slot.input);
      if (!t) throw new Error(`state has no tensor for ${slot.input}`);
      feeds[slot.input] = t;
    }
    const fetches = [this.io.logits, ...this.io.cache.map((c) => c.output)];
    const out = await this.session.run(feeds, fetches);
    const logitsTensor = out[this.io.logits] as ort.Tensor;
    const dims = logitsTensor.dims;
    const vocabSize = dims[dims.length - 1] as number;
    const positions = logitsTensor.size / vocabSize;
    if (positions !== ids.length) throw new Error(`logits cover ${positions} positions for ${ids.length} input tokens`);
    const next = new Map<string, ort.Tensor>();
    for (const slot of this.io.cache) {
      const present = out[slot.output] as ort.Tensor;
      if (present.dims[slot.sequenceAxis] !== total) {
        throw new Error(`${slot.output} covers ${present.dims[slot.sequenceAxis]} tokens, expected ${total}`);
      }
      next.set(slot.input, present);
    }
    return {
      logits: toFloat32(logitsTensor),
      positions,
      vocabSize,
      state: { past: next, length: total },
    };
  }

  /** Logits of the last position of a forward result. */
  static lastLogits(result: ForwardResult): Float32Array {
    return result.logits.subarray((result.positions - 1) * result.vocabSize, result.positions * result.vocabSize);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
