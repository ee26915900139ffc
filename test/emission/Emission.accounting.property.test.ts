import { expect } from "chai";
import fc from "fast-check";
import { mine, takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import type { SnapshotRestorer } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { accruals, emissionFixture } from "./fixtures";
import { CAP, MAX_BPS, threshold } from "./halving";

const NETUIDS = [1, 2, 3, 4] as const;

type Action =
  | { kind: "share"; netuid: number; bps: number }
  | { kind: "mine"; blocks: number }
  | { kind: "pull"; netuid: number }
  | { kind: "accrue" }
  | { kind: "mintTo"; k: number; offset: bigint } // raises issuance to threshold(k) + offset (into band k)
  | { kind: "burn"; bps: number };

const netuid = fc.constantFrom(...NETUIDS);
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .record({ netuid, bps: fc.integer({ min: 0, max: 10_000 }) })
      .map((r) => ({ kind: "share" as const, ...r })),
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 2 ** 30 }))
      .map((blocks) => ({ kind: "mine" as const, blocks })),
  },
  { weight: 2, arbitrary: netuid.map((n) => ({ kind: "pull" as const, netuid: n })) },
  { weight: 1, arbitrary: fc.constant({ kind: "accrue" as const }) },
  {
    weight: 1,
    arbitrary: fc
      .record({ k: fc.integer({ min: 0, max: 62 }), offset: fc.bigInt({ min: 0n, max: 10n ** 20n }) })
      .map((r) => ({ kind: "mintTo" as const, ...r })),
  },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 10_000 }).map((bps) => ({ kind: "burn" as const, bps })) },
);

describe("Emission accounting (property)", function () {
  let ctx: Awaited<ReturnType<typeof emissionFixture>>;
  let snapshot: SnapshotRestorer;

  before(async function () {
    ctx = await emissionFixture();
    snapshot = await takeSnapshot();
  });

  it("subnets' pulls + treasury == minted by Emission, each subnet gets floor(its exact share) (1,000 runs)", async function () {
    const { token, emission, minter, holder, params, distributor, treasury } = ctx;
    let roundingRuns = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 8 }), async (actions) => {
        await snapshot.restore();
        const treasury0 = await token.balanceOf(treasury.address);
        const index0 = await emission.rewardIndex();
        const distributor0 = await token.balanceOf(distributor.address);
        expect(await token.balanceOf(emission)).to.equal(0n);

        // Model: shares, and for each subnet the exact entitlement numerator sum_j R_j * bps_i.
        const shares = new Map<number, bigint>(NETUIDS.map((n) => [n, 0n]));
        const owedNum = new Map<number, bigint>(NETUIDS.map((n) => [n, 0n]));
        const pulled = new Map<number, bigint>(NETUIDS.map((n) => [n, 0n]));
        let sharedNum = 0n; // sum_j R_j * totalShares_j
        let emitted = 0n;
        const book = async (tx: ContractTransactionResponse) => {
          for (const amount of accruals(emission, await tx.wait())) {
            emitted += amount;
            for (const n of NETUIDS) {
              owedNum.set(n, owedNum.get(n)! + amount * shares.get(n)!);
              sharedNum += amount * shares.get(n)!;
            }
          }
        };

        for (const a of actions) {
          switch (a.kind) {
            case "share": {
              let total = BigInt(a.bps);
              for (const n of NETUIDS) if (n !== a.netuid) total += shares.get(n)!;
              if (total > MAX_BPS) {
                await expect(emission.connect(params).setEmissionShare(a.netuid, a.bps))
                  .to.be.revertedWithCustomError(emission, "EmissionSharesExceed")
                  .withArgs(total);
              } else {
                await book(await emission.connect(params).setEmissionShare(a.netuid, a.bps)); // accrues at old shares
                shares.set(a.netuid, BigInt(a.bps));
              }
              break;
            }
            case "mine":
              await mine(a.blocks);
              break;
            case "pull": {
              const tx = await emission.connect(distributor).pull(a.netuid);
              await book(tx);
              const receipt = await tx.wait();
              for (const log of receipt!.logs) {
                const parsed = emission.interface.parseLog(log);
                if (parsed?.name === "EmissionPulled") {
                  pulled.set(a.netuid, pulled.get(a.netuid)! + (parsed.args.amount as bigint));
                }
              }
              break;
            }
            case "accrue":
              await book(await emission.accrue());
              break;
            case "mintTo": {
              const supply = await token.totalSupply();
              let target = threshold(a.k) + a.offset;
              if (target > CAP) target = CAP;
              if (target > supply) await token.connect(minter).mint(holder.address, target - supply);
              break;
            }
            case "burn":
              await token.connect(holder).burn(((await token.balanceOf(holder.address)) * BigInt(a.bps)) / 10_000n);
              break;
          }
        }
        await book(await emission.accrue());

        const treasuryGot = (await token.balanceOf(treasury.address)) - treasury0;
        const held = await token.balanceOf(emission);
        let pulledTotal = 0n;
        let pendingTotal = 0n;
        for (const n of NETUIDS) {
          const pending = await emission.pendingEmission(n);
          // Each subnet is credited exactly floor(sum_j R_j * bps_i / 10,000): no dust lost per subnet.
          expect(pulled.get(n)! + pending).to.equal(owedNum.get(n)! / MAX_BPS);
          pulledTotal += pulled.get(n)!;
          pendingTotal += pending;
        }
        expect(await token.balanceOf(distributor.address)).to.equal(distributor0 + pulledTotal);
        expect((await emission.rewardIndex()) - index0).to.equal(emitted);
        // Nothing created or lost: pulled + treasury + still held == everything Emission minted.
        expect(pulledTotal + treasuryGot + held).to.equal(emitted);
        // The treasury gets exactly the unallocated part (the global fraction is carried, not rounded).
        expect(treasuryGot).to.equal(emitted - sharedNum / MAX_BPS);
        // What is held covers every pending amount; the excess is the subnets' carried fractions.
        expect(held - pendingTotal).to.be.greaterThanOrEqual(0n);
        expect(held - pendingTotal).to.be.lessThan(BigInt(NETUIDS.length));
        if (sharedNum % MAX_BPS !== 0n || held !== pendingTotal) roundingRuns++;
      }),
      { numRuns: 1000 },
    );
    // The rounding paths (fractions of a wei carried per subnet and globally) were exercised.
    expect(roundingRuns).to.be.greaterThan(50);
  });
});
