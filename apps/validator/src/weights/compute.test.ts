import fc from "fast-check";
import { AbiCoder, keccak256, Wallet } from "ethers";
import type { MinerScore } from "../aggregator";
import { U16_MAX, commitHash, weightsFromScores, withinMaxWeight } from "./compute";

const hotkeys = Array.from({ length: 6 }, () => Wallet.createRandom().address);
const registeredAt = [1, 2, 3, 4, 5, 6];
const score = (uid: number, ema: number, over: Partial<MinerScore> = {}): MinerScore => ({
  uid,
  hotkey: (hotkeys[uid] as string).toLowerCase(),
  registeredAt: registeredAt[uid] as number,
  ema,
  count: 1,
  last: ema,
  updatedAt: 0,
  ...over,
});

describe("weightsFromScores", () => {
  it("scales the best score to 65,535 and keeps UIDs in increasing order", () => {
    const out = weightsFromScores([score(0, 0.2), undefined, score(2, 0.8), score(3, 0.4)], { hotkeys, registeredAt });
    expect(out).toEqual({ row: { uids: [0, 2, 3], weights: [16383, 65535, 32767] } });
  });

  it("leaves out the validator itself, zero scores, and scores of a former holder of the UID", () => {
    const scores = [
      score(0, 0.5),
      score(1, 0.5, { hotkey: Wallet.createRandom().address.toLowerCase() }), // the UID changed hands
      score(2, 0.5, { registeredAt: 99 }), // same hotkey, older registration
      score(3, 0),
      score(4, 0.25),
    ];
    const out = weightsFromScores(scores, { hotkeys, registeredAt, selfUid: 0 });
    expect(out).toEqual({ row: { uids: [4], weights: [65535] } });
  });

  it("skips when nothing is scored", () => {
    expect(weightsFromScores([undefined, score(1, 0)], { hotkeys, registeredAt })).toEqual({ skip: "no-scores" });
  });

  it("caps shares at the subnet's max weight, passing the contract's check", () => {
    const maxWeight = Math.floor(U16_MAX * 0.4);
    const out = weightsFromScores([score(0, 0.9), score(1, 0.05), score(2, 0.05), score(3, 0.01)], {
      hotkeys,
      registeredAt,
      maxWeight,
    });
    if (!("row" in out)) throw new Error("expected a row");
    expect(withinMaxWeight(out.row, maxWeight)).toBe(true);
    // Too few UIDs to spread the weight under the cap: skipped rather than reverted on-chain.
    expect(weightsFromScores([score(0, 1), score(1, 1)], { hotkeys, registeredAt, maxWeight })).toEqual({
      skip: "max-weight",
    });
  });

  it("always yields a row the contract accepts (sorted, in range, non-zero sum, under the max weight)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }), {
          minLength: 6,
          maxLength: 6,
        }),
        fc.integer({ min: 1, max: U16_MAX }),
        (emas, maxWeight) => {
          const scores = emas.map((e, uid) => (e === undefined ? undefined : score(uid, e)));
          const out = weightsFromScores(scores, { hotkeys, registeredAt, maxWeight });
          if ("skip" in out) return true;
          const { uids, weights } = out.row;
          return (
            uids.every((u, i) => i === 0 || u > (uids[i - 1] as number)) &&
            weights.every((w) => Number.isInteger(w) && w > 0 && w <= U16_MAX) &&
            withinMaxWeight(out.row, maxWeight)
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("commitHash", () => {
  it("is keccak256(abi.encode(netuid, hotkey, uids, weights, salt, versionKey))", () => {
    const salt = "0x" + "ab".repeat(32);
    const hotkey = hotkeys[0] as string;
    const expected = keccak256(
      AbiCoder.defaultAbiCoder().encode(
        ["uint16", "address", "uint16[]", "uint16[]", "bytes32", "uint64"],
        [7, hotkey, [1, 2], [10, 20], salt, 3n],
      ),
    );
    expect(commitHash(7, hotkey, { uids: [1, 2], weights: [10, 20] }, salt, 3n)).toBe(expected);
    expect(commitHash(7, hotkey, { uids: [1, 2], weights: [10, 21] }, salt, 3n)).not.toBe(expected);
  });
});
