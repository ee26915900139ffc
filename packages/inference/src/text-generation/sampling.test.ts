import { Prng, argmax, samplingDistribution, selectToken } from "./sampling";

const LOGITS = Float32Array.from([1.0, 3.0, 2.5, -1.0, 3.0, 0.5, 2.0, -4.0]);

function softmax(logits: ArrayLike<number>, temperature = 1): number[] {
  const xs = Array.from(logits, (v) => v / temperature);
  const m = Math.max(...xs);
  const e = xs.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe("Prng", () => {
  it("gives the same stream for the same seed and a different one for another seed", () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const xs = Array.from({ length: 32 }, () => a.nextUint32());
    expect(Array.from({ length: 32 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 32 }, () => c.nextUint32())).not.toEqual(xs);
  });

  it("distinguishes seeds that differ only above 32 bits", () => {
    const low = new Prng(7);
    const high = new Prng(7 + 2 ** 40);
    expect(high.nextUint32()).not.toBe(low.nextUint32());
  });

  it("draws floats in [0, 1) with a mean near 1/2", () => {
    const rng = new Prng(1);
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < 20000; i++) {
      const x = rng.nextFloat();
      min = Math.min(min, x);
      max = Math.max(max, x);
      sum += x;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(max - min).toBeGreaterThan(0.99);
    expect(Math.abs(sum / 20000 - 0.5)).toBeLessThan(0.01);
  });

  it("rejects seeds that are not safe integers", () => {
    expect(() => new Prng(1.5)).toThrow(RangeError);
    expect(() => new Prng(2 ** 60)).toThrow(RangeError);
  });
});

describe("samplingDistribution", () => {
  it("greedy (temperature 0 or unset) is the argmax, ties to the lower id", () => {
    expect(argmax(LOGITS)).toBe(1);
    for (const opts of [{}, { temperature: 0 }, { temperature: 0, topK: 3, topP: 0.5 }]) {
      const d = samplingDistribution(LOGITS, opts);
      expect(Array.from(d.ids)).toEqual([1]);
      expect(Array.from(d.probs)).toEqual([1]);
      expect(selectToken(LOGITS, opts, null)).toBe(1);
    }
  });

  it("temperature 1 without limits is the softmax, most likely first", () => {
    const d = samplingDistribution(LOGITS, { temperature: 1 });
    expect(Array.from(d.ids)).toEqual([1, 4, 2, 6, 0, 5, 3, 7]);
    const expected = softmax(LOGITS);
    d.ids.forEach((id, i) => expect(d.probs[i]).toBeCloseTo(expected[id] as number, 12));
  });

  it("lower temperature sharpens and higher temperature flattens", () => {
    const top = (t: number): number => samplingDistribution(LOGITS, { temperature: t }).probs[0] as number;
    expect(top(0.25)).toBeGreaterThan(top(1));
    expect(top(1)).toBeGreaterThan(top(4));
    expect(top(1000)).toBeCloseTo(1 / LOGITS.length, 2);
    const d = samplingDistribution(LOGITS, { temperature: 0.5 });
    const expected = softmax(LOGITS, 0.5);
    d.ids.forEach((id, i) => expect(d.probs[i]).toBeCloseTo(expected[id] as number, 12));
  });

  it("top-k keeps the k most likely tokens and renormalises", () => {
    const d = samplingDistribution(LOGITS, { temperature: 1, topK: 3 });
    expect(Array.from(d.ids)).toEqual([1, 4, 2]);
    const p = softmax(LOGITS);
    const z = (p[1] as number) + (p[4] as number) + (p[2] as number);
    expect(d.probs[2]).toBeCloseTo((p[2] as number) / z, 12);
    expect(Array.from(d.probs).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it("top-k 1 picks the greedy token whatever the seed and temperature", () => {
    for (let seed = 0; seed < 50; seed++) {
      expect(selectToken(LOGITS, { temperature: 1.7, topK: 1 }, new Prng(seed))).toBe(argmax(LOGITS));
    }
  });

  it("top-p keeps the smallest prefix whose mass reaches p", () => {
    const p = softmax(LOGITS);
    const sorted = [1, 4, 2, 6, 0, 5, 3, 7];
    for (const topP of [0.1, 0.5, 0.8, 0.95, 0.999]) {
      const d = samplingDistribution(LOGITS, { temperature: 1, topP });
      let mass = 0;
      let n = 0;
      while (mass < topP) mass += p[sorted[n++] as number] as number;
      expect(Array.from(d.ids)).toEqual(sorted.slice(0, n));
      expect(Array.from(d.probs).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
    expect(samplingDistribution(LOGITS, { temperature: 1, topP: 1 }).ids).toHaveLength(8);
  });

  it("applies top-k before top-p", () => {
    const d = samplingDistribution(LOGITS, { temperature: 1, topK: 2, topP: 0.99 });
    expect(Array.from(d.ids)).toEqual([1, 4]);
  });

  it("samples with the frequencies of the distribution", () => {
    const rng = new Prng(9);
    const opts = { temperature: 1, topK: 4 };
    const d = samplingDistribution(LOGITS, opts);
    const counts = new Map<number, number>();
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const t = selectToken(LOGITS, opts, rng);
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(Array.from(d.ids).sort());
    d.ids.forEach((id, i) => expect(Math.abs((counts.get(id) ?? 0) / n - (d.probs[i] as number))).toBeLessThan(0.015));
  });

  it("handles a large vocabulary with top-k through the heap path", () => {
    const rng = new Prng(3);
    const logits = Float32Array.from({ length: 5000 }, () => rng.nextFloat() * 10);
    const d = samplingDistribution(logits, { temperature: 1, topK: 20 });
    const expected = Array.from(logits.keys())
      .sort((a, b) => (logits[b] as number) - (logits[a] as number) || a - b)
      .slice(0, 20);
    expect(Array.from(d.ids)).toEqual(expected);
  });

  it("rejects invalid options", () => {
    expect(() => samplingDistribution(LOGITS, { temperature: -1 })).toThrow(RangeError);
    expect(() => samplingDistribution(LOGITS, { temperature: Number.NaN })).toThrow(RangeError);
    expect(() => samplingDistribution(LOGITS, { temperature: 1, topK: 1.5 })).toThrow(RangeError);
    expect(() => samplingDistribution(LOGITS, { temperature: 1, topP: 0 })).toThrow(RangeError);
    expect(() => samplingDistribution(LOGITS, { temperature: 1, topP: 1.1 })).toThrow(RangeError);
    expect(() => selectToken(LOGITS, { temperature: 1 }, null)).toThrow(/PRNG/);
  });
});
