import { expect } from "chai";
import fc from "fast-check";
import { mine, takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import type { SnapshotRestorer } from "@nomicfoundation/hardhat-network-helpers";
import { emissionFixture } from "./fixtures";
import { CAP } from "./halving";

type Action =
  | { kind: "mint"; amount: bigint }
  | { kind: "mintRoom"; delta: bigint } // mint (cap - supply) + delta: at, just under or just past the cap
  | { kind: "burn"; bps: number } // burn this fraction of the holder's balance
  | { kind: "accrue" }
  | { kind: "mine"; blocks: number }
  | { kind: "share"; netuid: number; bps: number }
  | { kind: "pull"; netuid: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.bigInt({ min: 0n, max: CAP }).map((amount) => ({ kind: "mint" as const, amount })),
  fc.bigInt({ min: -(10n ** 21n), max: 3n }).map((delta) => ({ kind: "mintRoom" as const, delta })),
  fc.integer({ min: 0, max: 10_000 }).map((bps) => ({ kind: "burn" as const, bps })),
  fc.constant({ kind: "accrue" as const }),
  fc
    .oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 2 ** 32 }))
    .map((blocks) => ({ kind: "mine" as const, blocks })),
  fc
    .record({ netuid: fc.integer({ min: 0, max: 3 }), bps: fc.integer({ min: 0, max: 10_000 }) })
    .map((r) => ({ kind: "share" as const, ...r })),
  fc.integer({ min: 0, max: 3 }).map((netuid) => ({ kind: "pull" as const, netuid })),
);

describe("Emission and NOOS supply (property)", function () {
  let ctx: Awaited<ReturnType<typeof emissionFixture>>;
  let snapshot: SnapshotRestorer;

  before(async function () {
    ctx = await emissionFixture();
    snapshot = await takeSnapshot();
  });

  it("total supply never exceeds the cap over random mint/burn/accrue/mine/share/pull sequences (1,000 runs)", async function () {
    const { token, emission, minter, holder, params, distributor } = ctx;
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 8 }), async (actions) => {
        await snapshot.restore();
        const supply0 = await token.totalSupply();
        const index0 = await emission.rewardIndex();
        const shares = new Map<number, number>();
        let minted = 0n;
        let burned = 0n;
        for (const a of actions) {
          const supply = await token.totalSupply();
          switch (a.kind) {
            case "mint":
            case "mintRoom": {
              const amount = a.kind === "mint" ? a.amount : CAP - supply + a.delta;
              if (amount < 0n) break;
              if (supply + amount > CAP) {
                await expect(token.connect(minter).mint(holder.address, amount))
                  .to.be.revertedWithCustomError(token, "ERC20ExceededCap")
                  .withArgs(supply + amount, CAP);
              } else {
                await token.connect(minter).mint(holder.address, amount);
                minted += amount;
              }
              break;
            }
            case "burn": {
              const amount = ((await token.balanceOf(holder.address)) * BigInt(a.bps)) / 10_000n;
              await token.connect(holder).burn(amount);
              burned += amount;
              break;
            }
            case "accrue":
              await emission.accrue();
              break;
            case "mine":
              await mine(a.blocks);
              break;
            case "share": {
              const total = [...shares.entries()].reduce((s, [id, b]) => s + (id === a.netuid ? 0 : b), 0) + a.bps;
              if (total > 10_000) {
                await expect(emission.connect(params).setEmissionShare(a.netuid, a.bps))
                  .to.be.revertedWithCustomError(emission, "EmissionSharesExceed")
                  .withArgs(total);
              } else {
                await emission.connect(params).setEmissionShare(a.netuid, a.bps);
                shares.set(a.netuid, a.bps);
              }
              break;
            }
            case "pull":
              await emission.connect(distributor).pull(a.netuid);
              break;
          }
          expect(await token.totalSupply()).to.be.lessThanOrEqual(CAP);
        }
        // Every token in existence came from the test minter or from Emission, less what was burned.
        expect(await token.totalSupply()).to.equal(supply0 + minted - burned + (await emission.rewardIndex()) - index0);
      }),
      { numRuns: 1000 },
    );
  });
});
