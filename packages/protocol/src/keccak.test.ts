import fc from "fast-check";
import { keccak256 } from "ethers";
import { keccak256Bytes, keccak256Hex, keccakBackend } from "./keccak";

describe("keccak256", () => {
  it("uses the native sponge here", () => {
    expect(keccakBackend).toBe("native");
  });

  it("equals ethers' keccak256 for every length, across the 136-byte rate boundary", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), (data) => {
        expect(keccak256Hex(data)).toBe(keccak256(data));
      }),
      { numRuns: 500 },
    );
    for (const n of [0, 135, 136, 137, 272])
      expect(keccak256Hex(new Uint8Array(n).fill(n))).toBe(keccak256(new Uint8Array(n).fill(n)));
  });

  it("starts each digest from a fresh sponge (no state carried between calls)", () => {
    const a = Uint8Array.from([1, 2, 3]);
    const first = keccak256Hex(a);
    keccak256Bytes(new Uint8Array(500).fill(9));
    expect(keccak256Hex(a)).toBe(first);
    expect(keccak256Bytes(a)).toHaveLength(32);
  });
});
