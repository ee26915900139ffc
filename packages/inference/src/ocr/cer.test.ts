import fc from "fast-check";
import { characterErrorRate, levenshtein, normalizeText } from "./cer";

describe("levenshtein", () => {
  const cases: [string, string, number][] = [
    ["", "", 0],
    ["abc", "", 3],
    ["", "abc", 3],
    ["kitten", "sitting", 3],
    ["flaw", "lawn", 2],
    ["Hello World", "HelloWorld", 1],
    ["NOOS", "Noos", 3],
    ["abc", "abc", 0],
  ];
  for (const [a, b, d] of cases) {
    it(`${JSON.stringify(a)} vs ${JSON.stringify(b)} = ${d}`, () => {
      expect(levenshtein(a, b)).toBe(d);
    });
  }

  it("counts code points, not UTF-16 units", () => {
    expect(levenshtein("a😀b", "ab")).toBe(1);
    expect(levenshtein("汉字", "汉子")).toBe(1);
  });

  it("is a metric: symmetric, zero only on equal strings, triangle inequality", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 12 }),
        fc.string({ maxLength: 12 }),
        fc.string({ maxLength: 12 }),
        (a, b, c) => {
          expect(levenshtein(a, b)).toBe(levenshtein(b, a));
          expect(levenshtein(a, b) === 0).toBe(a === b);
          expect(levenshtein(a, c)).toBeLessThanOrEqual(levenshtein(a, b) + levenshtein(b, c));
          expect(levenshtein(a, b)).toBeLessThanOrEqual(Math.max(Array.from(a).length, Array.from(b).length));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("characterErrorRate", () => {
  it("divides the edit distance by the reference length", () => {
    expect(characterErrorRate("Hello World", "Hello World")).toBe(0);
    expect(characterErrorRate("Hello World", "HelloWorld")).toBeCloseTo(1 / 11);
    expect(characterErrorRate("abcd", "")).toBe(1);
    expect(characterErrorRate("ab", "abcdef")).toBe(2); // insertions can push it past 1
  });

  it("scores an empty reference 0 against nothing and 1 against anything", () => {
    expect(characterErrorRate("", "")).toBe(0);
    expect(characterErrorRate("", "x")).toBe(1);
  });

  it("optionally compares normalised text (NFKC, whitespace collapsed)", () => {
    expect(characterErrorRate("total: $5", "total： ＄5")).toBeGreaterThan(0);
    expect(characterErrorRate("total: $5", " total：  ＄5\n", { normalize: true })).toBe(0);
    expect(normalizeText("  Ａ\t b\n\nc ")).toBe("A b c");
  });
});
