import * as ort from "onnxruntime-node";
import { Prng } from "../sampling";
import { findContext, fitTrigram, perplexity, trigramProb, type TrigramModel } from "./ngram";
import { buildNgramDecoder } from "./ngram-graph";

const V = 40;

/** Documents from a small random "grammar" so that some contexts repeat and others do not. */
function corpus(seed: number, docs: number): number[][] {
  const rng = new Prng(seed);
  return Array.from({ length: docs }, () => {
    const len = 5 + (rng.nextUint32() % 20);
    const doc: number[] = [];
    for (let i = 0; i < len; i++) {
      const prev = doc[doc.length - 1] ?? 1;
      // Mostly a deterministic successor, sometimes a random token.
      doc.push(rng.nextFloat() < 0.7 ? 1 + ((prev * 7 + 3) % (V - 1)) : 1 + (rng.nextUint32() % (V - 1)));
    }
    return doc;
  });
}

async function run(session: ort.InferenceSession, ids: number[], pastIds: number[]): Promise<Float32Array> {
  const past = new ort.Tensor("float32", Float32Array.from(pastIds), [1, 1, pastIds.length, 1]);
  const out = await session.run({
    input_ids: new ort.Tensor("int64", BigInt64Array.from(ids, BigInt), [1, ids.length]),
    attention_mask: new ort.Tensor("int64", new BigInt64Array(pastIds.length + ids.length).fill(1n), [
      1,
      pastIds.length + ids.length,
    ]),
    "past_key_values.0.key": past,
    "past_key_values.0.value": past,
  });
  expect(Array.from((out["present.0.key"] as ort.Tensor).data as Float32Array)).toEqual([...pastIds, ...ids]);
  return (out["logits"] as ort.Tensor).data as Float32Array;
}

describe("n-gram model as an ONNX decoder", () => {
  let model: TrigramModel;
  let session: ort.InferenceSession;

  beforeAll(async () => {
    model = fitTrigram(corpus(1, 300), V, 0, { topK: 4, minContextCount: 2 });
    session = await ort.InferenceSession.create(buildNgramDecoder(model));
  });
  afterAll(async () => {
    await session.release();
  });

  it("fits normalised distributions with sensible discounts", () => {
    expect(model.contextKeys.length).toBeGreaterThan(20);
    for (const d of model.discounts) expect(d).toBeGreaterThan(0);
    for (const [a, b] of [
      [0, 0],
      [3, 4],
      [0, 22],
      [39, 39],
    ] as const) {
      let sum = 0;
      for (let w = 0; w < V; w++) sum += trigramProb(model, a, b, w);
      expect(sum).toBeCloseTo(1, 5);
    }
    // Held-out text from the same source is far more predictable than uniform.
    expect(perplexity(model, corpus(2, 50))).toBeLessThan(V / 4);
  });

  it("gives the log of the JavaScript reference probabilities at every position", async () => {
    const seqs = [...corpus(3, 6), [5, 38, 38, 1, 2, 3]];
    // Include the first and last stored contexts so the binary search's edges are covered.
    const first = model.contextKeys[0] as number;
    const last = model.contextKeys[model.contextKeys.length - 1] as number;
    seqs.push([Math.floor(first / V), first % V, Math.floor(last / V), last % V]);
    let hits = 0;
    for (const seq of seqs) {
      const logits = await run(session, seq, []);
      for (let i = 0; i < seq.length; i++) {
        const a = i === 0 ? 0 : (seq[i - 1] as number);
        const b = seq[i] as number;
        if (findContext(model, a, b) >= 0) hits++;
        for (let w = 0; w < V; w++) {
          expect(Math.abs((logits[i * V + w] as number) - Math.log(trigramProb(model, a, b, w)))).toBeLessThan(1e-5);
        }
      }
    }
    expect(hits).toBeGreaterThan(5); // stored contexts were exercised, not only backoff
  });

  it("reads the context from the cache: past ids + new ids equal a full run", async () => {
    const seq = corpus(4, 1)[0] as number[];
    const full = await run(session, seq, []);
    for (let split = 1; split < seq.length; split++) {
      const part = await run(session, seq.slice(split), seq.slice(0, split));
      const expected = full.subarray(split * V);
      let diff = 0;
      for (let j = 0; j < part.length; j++)
        diff = Math.max(diff, Math.abs((part[j] as number) - (expected[j] as number)));
      expect(diff).toBeLessThan(1e-6);
    }
  });
});
