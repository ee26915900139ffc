import { expNeg, fromU16, HALF, LN2, ONE, sigmoid, toU16 } from "./fixed";

const WAD = 1e18;

describe("expNeg", () => {
  it("is exactly ONE at 0 and halves at ln 2", () => {
    expect(expNeg(0n)).toBe(ONE);
    expect(expNeg(LN2)).toBe(ONE / 2n);
    expect(expNeg(10n * LN2)).toBe(ONE / 1024n);
  });

  it("matches Math.exp within 1e-16 absolute over [0, 50]", () => {
    for (let k = 0; k <= 5000; k++) {
      const y = (BigInt(k) * ONE) / 100n + BigInt(k * 7919); // irregular points
      const got = Number(expNeg(y)) / WAD;
      const want = Math.exp(-Number(y) / WAD);
      expect(Math.abs(got - want)).toBeLessThan(1e-16 + want * 1e-15);
    }
  });

  it("is non-increasing and reaches 0 far out", () => {
    let prev = ONE;
    for (let k = 0; k < 2000; k++) {
      const v = expNeg((BigInt(k) * ONE) / 40n);
      expect(v).toBeLessThanOrEqual(prev);
      prev = v;
    }
    expect(expNeg(45n * ONE)).toBe(0n);
    expect(expNeg(10_000n * ONE)).toBe(0n);
  });

  it("rejects negative input", () => {
    expect(() => expNeg(-1n)).toThrow(RangeError);
  });
});

describe("sigmoid", () => {
  it("is HALF at 0, symmetric, and matches the float logistic", () => {
    expect(sigmoid(0n)).toBe(HALF);
    for (let k = -400; k <= 400; k++) {
      const x = (BigInt(k) * ONE) / 20n;
      const got = Number(sigmoid(x)) / WAD;
      expect(Math.abs(got - 1 / (1 + Math.exp(-Number(x) / WAD)))).toBeLessThan(1e-15);
      expect(sigmoid(x) + sigmoid(-x)).toBe(ONE);
    }
    expect(sigmoid(100n * ONE)).toBe(ONE);
    expect(sigmoid(-100n * ONE)).toBe(0n);
  });
});

describe("u16 conversions", () => {
  it("floor into fixed point, round to nearest back, and round-trip every u16", () => {
    expect(fromU16(65535)).toBe(ONE);
    expect(fromU16(0)).toBe(0n);
    expect(fromU16(1)).toBe(ONE / 65535n);
    expect(toU16(ONE)).toBe(65535);
    expect(toU16(ONE - 1n)).toBe(65535);
    expect(toU16(ONE / 65535n / 2n)).toBe(0);
    expect(toU16(ONE / 65535n / 2n + 1n)).toBe(1);
    for (let x = 0; x <= 65535; x++) if (toU16(fromU16(x)) !== x) throw new Error(`round trip of ${x}`);
  });
});
