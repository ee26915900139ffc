import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import { createSubnet } from "@noosphere/deploy";
import { E18, hotkeys, registryFixture, smallParams } from "./fixtures";

/** Reference: the top `k` indices by stake among stakes >= min; ties to the lower index. */
function permitsRef(stakes: bigint[], k: number, min: bigint): boolean[] {
  const ranked = stakes
    .map((stake, uid) => ({ stake, uid }))
    .filter((e) => e.stake >= min)
    .sort((a, b) => (a.stake === b.stake ? a.uid - b.uid : a.stake > b.stake ? -1 : 1))
    .slice(0, k);
  const permits = stakes.map(() => false);
  for (const e of ranked) permits[e.uid] = true;
  return permits;
}

/** A subnet of `n` UIDs (free registration) held by hotkeys of `coldkey`. */
async function populated(n: number, maxValidators: number, minValidatorStake = 0n) {
  const base = await registryFixture();
  const { registry, stk, creator, coldkey } = base;
  const netuid = await createSubnet(
    registry,
    creator,
    smallParams({
      maxUids: Math.max(n, maxValidators, 1),
      maxValidators,
      minValidatorStake,
      minBurn: 0n,
    }),
  );
  const keys = hotkeys(n, 3);
  await stk.setOwners(keys, coldkey.address);
  for (const key of keys) await registry.connect(coldkey).register(netuid, key, 0n);
  return { ...base, netuid, keys };
}

const fourUids = () => populated(4, 2, 10n);
const fullSubnet = () => populated(256, 64, 1000n * E18);
const twelveUids = () => populated(12, 12);

describe("SubnetRegistry: validator permits", function () {
  it("an empty subnet has no permits", async function () {
    const { registry, creator } = await loadFixture(registryFixture);
    const netuid = await createSubnet(registry, creator, smallParams());
    expect(await registry.validatorPermits(netuid)).to.deep.equal([]);
  });

  it("the top maxValidators by stake get permits", async function () {
    const { registry, stk, netuid, keys } = await loadFixture(fourUids);
    await stk.setStakes(keys, [10n, 30n, 20n, 40n]);
    expect(await registry.validatorPermits(netuid)).to.deep.equal([false, true, false, true]);
  });

  it("stake below minValidatorStake never gets a permit", async function () {
    const { registry, stk, netuid, keys } = await loadFixture(fourUids);
    await stk.setStakes(keys, [9n, 10n, 0n, 5n]);
    expect(await registry.validatorPermits(netuid)).to.deep.equal([false, true, false, false]);
    await stk.setStakes(keys, [9n, 9n, 9n, 9n]);
    expect(await registry.validatorPermits(netuid)).to.deep.equal([false, false, false, false]);
  });

  it("ties go to the lower UID", async function () {
    const { registry, stk, netuid, keys } = await loadFixture(fourUids);
    await stk.setStakes(keys, [50n, 50n, 50n, 50n]);
    expect(await registry.validatorPermits(netuid)).to.deep.equal([true, true, false, false]);
    await stk.setStakes(keys, [10n, 50n, 60n, 50n]);
    expect(await registry.validatorPermits(netuid)).to.deep.equal([false, true, true, false]);
  });

  it("follows governance's maxValidators and minValidatorStake", async function () {
    const { registry, stk, admin, netuid, keys } = await loadFixture(fourUids);
    await stk.setStakes(keys, [10n, 30n, 20n, 40n]);
    await registry.connect(admin).setParams(netuid, smallParams({ maxValidators: 3, minValidatorStake: 25n }));
    expect(await registry.validatorPermits(netuid)).to.deep.equal([false, true, false, true]);
    await registry.connect(admin).setParams(netuid, smallParams({ maxValidators: 3, minValidatorStake: 0n }));
    expect(await registry.validatorPermits(netuid)).to.deep.equal([false, true, true, true]);
  });

  it("matches the reference on 256 UIDs with random stakes (and stays cheap)", async function () {
    const { registry, stk, netuid, keys } = await loadFixture(fullSubnet);
    // stakes from a small set so that ties and the minimum are both common
    const stakes = keys.map((_, i) => BigInt((i * 7919) % 97) * 25n * E18);
    await stk.setStakes(keys, stakes);
    const permits = await registry.validatorPermits(netuid);
    const expected = permitsRef(stakes, 64, 1000n * E18);
    expect(permits).to.deep.equal(expected);
    expect(expected.filter(Boolean).length).to.equal(64);
    const gas = await registry.validatorPermits.estimateGas(netuid);
    expect(gas).to.be.lessThan(2_000_000n);
  });

  it("property: matches the reference for random stakes, k and minimum (n <= 12)", async function () {
    const { registry, stk, admin, keys, netuid } = await loadFixture(twelveUids);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.bigInt({ min: 0n, max: 20n }), {
          minLength: 12,
          maxLength: 12,
        }),
        fc.integer({ min: 1, max: 12 }),
        fc.bigInt({ min: 0n, max: 21n }),
        async (stakes, k, min) => {
          await stk.setStakes(keys, stakes);
          await registry.connect(admin).setParams(
            netuid,
            smallParams({
              maxUids: 12,
              maxValidators: k,
              minValidatorStake: min,
              minBurn: 0n,
            }),
          );
          expect(await registry.validatorPermits(netuid)).to.deep.equal(permitsRef(stakes, k, min));
        },
      ),
      { numRuns: 60 },
    );
  });
});
