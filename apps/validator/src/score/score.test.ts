import fc from "fast-check";
import { tokenAgreement } from "./agreement";
import { latencyFactor, unit } from "./latency";

describe("latencyFactor", () => {
  const p = { targetMs: 100, timeoutMs: 1_100, floor: 0.5 };

  it("is 1 up to the target, falls linearly to the floor at the timeout, then stays there", () => {
    expect(latencyFactor(0, p)).toBe(1);
    expect(latencyFactor(100, p)).toBe(1);
    expect(latencyFactor(600, p)).toBeCloseTo(0.75, 12);
    expect(latencyFactor(1_100, p)).toBe(0.5);
    expect(latencyFactor(50_000, p)).toBe(0.5);
  });

  it("never rises with latency and stays within [floor, 1]", () => {
    fc.assert(
      fc.property(fc.nat(5_000), fc.nat(5_000), (a, b) => {
        const [lo, hi] = a < b ? [a, b] : [b, a];
        const fl = latencyFactor(lo, p);
        const fh = latencyFactor(hi, p);
        return fh <= fl && fh >= 0.5 && fl <= 1;
      }),
      { numRuns: 500 },
    );
  });
});

describe("unit", () => {
  it("clamps to [0, 1] and maps NaN to 0", () => {
    expect([unit(-1), unit(0.3), unit(7), unit(Number.NaN)]).toEqual([0, 0.3, 1, 0]);
  });
});

describe("tokenAgreement", () => {
  it("is the common prefix over the longer sequence", () => {
    expect(tokenAgreement([1, 2, 3, 4], [1, 2, 3, 4])).toBe(1);
    expect(tokenAgreement([1, 2, 3, 4], [1, 2, 9, 4])).toBe(0.5);
    expect(tokenAgreement([1, 2, 3, 4], [1, 2])).toBe(0.5);
    expect(tokenAgreement([1, 2], [1, 2, 3, 4])).toBe(0.5);
    expect(tokenAgreement([5], [])).toBe(0);
    expect(tokenAgreement([], [])).toBe(1);
  });

  it("is in [0, 1], symmetric, and 1 only for equal sequences", () => {
    const seq = fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 12 });
    fc.assert(
      fc.property(seq, seq, (a, b) => {
        const x = tokenAgreement(a, b);
        const equal = a.length === b.length && a.every((t, i) => t === b[i]);
        return x >= 0 && x <= 1 && x === tokenAgreement(b, a) && (x === 1) === equal;
      }),
      { numRuns: 500 },
    );
  });
});
