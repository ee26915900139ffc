import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine, takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import { createSubnet } from "@noosphere/deploy";
import { decayRef, hotkeys, registryFixture, smallParams } from "./fixtures";

const RUNS = 1000;
const KEYS = 10;
const MAX_UIDS = 4;
/** Three subnets with different floors, half-lives and immunity: full, half full, empty at the start. */
const SUBNETS = [
  { minBurn: 1000n, burnHalfLife: 1, immunity: 12, prefill: 4 },
  { minBurn: 7n, burnHalfLife: 5, immunity: 3, prefill: 2 },
  { minBurn: 10n ** 18n, burnHalfLife: 50, immunity: 2, prefill: 0 },
] as const;

interface Neuron {
  hotkey: string;
  registeredAt: bigint;
  emission: bigint;
}
interface SubnetModel {
  netuid: number;
  minBurn: bigint;
  halfLife: bigint;
  immunity: bigint;
  lastPrice: bigint;
  lastBlock: bigint;
  neurons: Neuron[];
}

type Action =
  | { kind: "register"; subnet: number; key: number }
  | { kind: "mine"; blocks: number }
  | { kind: "emission"; subnet: number; amounts: bigint[] };

async function propertyFixture() {
  const base = await registryFixture();
  const { registry, stk, creator, coldkey, epoch } = base;
  const keys = hotkeys(KEYS, 11);
  await stk.setOwners(keys, coldkey.address);
  const models: SubnetModel[] = [];
  for (const s of SUBNETS) {
    const netuid = await createSubnet(
      registry,
      creator,
      smallParams({
        maxUids: MAX_UIDS,
        maxValidators: 2,
        immunityPeriod: s.immunity,
        minBurn: s.minBurn,
        burnHalfLife: s.burnHalfLife,
      }),
    );
    for (const key of keys.slice(0, s.prefill)) {
      await registry.connect(coldkey).register(netuid, key, 10n ** 30n);
    }
    const [lastPrice, lastBlock] = await registry.burnState(netuid);
    const [hk, at] = await registry.neurons(netuid);
    models.push({
      netuid,
      minBurn: s.minBurn,
      halfLife: BigInt(s.burnHalfLife),
      immunity: BigInt(s.immunity),
      lastPrice,
      lastBlock,
      neurons: hk.map((hotkey, i) => ({
        hotkey,
        registeredAt: at[i]!,
        emission: 0n,
      })),
    });
  }
  return {
    registry,
    coldkey,
    epoch,
    keys,
    models,
    snapshot: await takeSnapshot(),
  };
}

function priceOf(m: SubnetModel, block: bigint): bigint {
  const decayed = decayRef(m.lastPrice, block - m.lastBlock, m.halfLife);
  return decayed > m.minBurn ? decayed : m.minBurn;
}

/** The UID the model prunes at `block`, or undefined if every UID is immune. */
function pruneOf(m: SubnetModel, block: bigint): number | undefined {
  let best: number | undefined;
  m.neurons.forEach((n, uid) => {
    if (block - n.registeredAt <= m.immunity) return;
    const b = best === undefined ? undefined : m.neurons[best]!;
    if (!b || n.emission < b.emission || (n.emission === b.emission && n.registeredAt < b.registeredAt)) best = uid;
  });
  return best;
}

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("register" as const),
      subnet: fc.nat(2),
      key: fc.nat(KEYS - 1),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("mine" as const),
      blocks: fc.integer({ min: 1, max: 60 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("emission" as const),
      subnet: fc.nat(2),
      amounts: fc.array(fc.bigInt({ min: 0n, max: 3n }), {
        minLength: MAX_UIDS,
        maxLength: MAX_UIDS,
      }),
    }),
  },
);

describe("SubnetRegistry: properties of random registration sequences", function () {
  it(`price >= floor, price after a registration >= 1.26x, UIDs unique and < maxUids (${RUNS} runs)`, async function () {
    const fx = await loadFixture(propertyFixture);
    const { registry, coldkey, epoch, keys } = fx;
    const registryAddress = await registry.getAddress();
    const neuronRegistered = registry.interface.getEvent("NeuronRegistered").topicHash;
    const burnUpdated = registry.interface.getEvent("BurnPriceUpdated").topicHash;
    const stats = { registrations: 0, prunes: 0, allImmune: 0, already: 0 };

    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 1, maxLength: 5 }), async (actions) => {
        await fx.snapshot.restore();
        const models: SubnetModel[] = fx.models.map((m) => ({
          ...m,
          neurons: m.neurons.map((n) => ({ ...n })),
        }));
        let block = BigInt(await ethers.provider.getBlockNumber());
        const touched = new Set<number>();

        for (const action of actions) {
          if (action.kind === "mine") {
            await mine(action.blocks);
            block += BigInt(action.blocks);
            const m = models[action.blocks % models.length]!;
            const price = await registry.burnPrice(m.netuid);
            expect(price).to.equal(priceOf(m, block));
            expect(price >= m.minBurn).to.equal(true);
            continue;
          }
          const m = models[action.subnet]!;
          touched.add(action.subnet);
          if (action.kind === "emission") {
            const uids = m.neurons.map((_, i) => i);
            const amounts = action.amounts.slice(0, uids.length);
            await (await registry.connect(epoch).recordEmission(m.netuid, uids, amounts)).wait();
            block += 1n;
            amounts.forEach((a, i) => (m.neurons[i]!.emission = a));
            continue;
          }
          const hotkey = keys[action.key]!;
          block += 1n; // the transaction's block
          const expectedPrice = priceOf(m, block);
          const already = m.neurons.findIndex((n) => n.hotkey === hotkey);
          const full = m.neurons.length === MAX_UIDS;
          const pruned = full ? pruneOf(m, block) : undefined;
          const tx = registry.connect(coldkey).register(m.netuid, hotkey, 2n ** 255n);
          if (already >= 0) {
            stats.already++;
            await expect(tx).to.be.revertedWithCustomError(registry, "SubnetsAlreadyRegistered");
            continue;
          }
          if (full && pruned === undefined) {
            stats.allImmune++;
            await expect(tx).to.be.revertedWithCustomError(registry, "SubnetsAllImmune");
            continue;
          }
          const receipt = (await (await tx).wait())!;
          expect(BigInt(receipt.blockNumber)).to.equal(block);
          let burned: bigint | undefined;
          let stored: bigint | undefined;
          let uid: number | undefined;
          for (const log of receipt.logs) {
            if (log.address !== registryAddress) continue;
            const parsed = registry.interface.parseLog(log)!;
            if (log.topics[0] === neuronRegistered) {
              burned = parsed.args.burned as bigint;
              uid = Number(parsed.args.uid);
            } else if (log.topics[0] === burnUpdated) {
              stored = parsed.args.lastPrice as bigint;
            }
          }
          // the price paid is the model's, never below the floor
          expect(burned).to.equal(expectedPrice);
          expect(burned! >= m.minBurn).to.equal(true);
          // the price right after (same block) is 1.26x the price paid, within integer rounding
          expect(stored! * 100n >= burned! * 126n - 99n).to.equal(true);
          expect(stored! * 100n <= burned! * 126n).to.equal(true);
          stats.registrations++;
          const neuron = { hotkey, registeredAt: block, emission: 0n };
          if (full) {
            stats.prunes++;
            expect(uid).to.equal(pruned);
            m.neurons[pruned!] = neuron;
          } else {
            expect(uid).to.equal(m.neurons.length);
            m.neurons.push(neuron);
          }
          m.lastPrice = stored!;
          m.lastBlock = block;
        }

        for (const i of touched) {
          const m = models[i]!;
          const [price, [hk, at]] = await Promise.all([registry.burnPrice(m.netuid), registry.neurons(m.netuid)]);
          expect(price).to.equal(priceOf(m, block));
          expect(price >= m.minBurn).to.equal(true);
          expect(hk.length).to.be.at.most(MAX_UIDS);
          expect(new Set(hk).size).to.equal(hk.length);
          expect(hk).to.deep.equal(m.neurons.map((n) => n.hotkey));
          expect(at).to.deep.equal(m.neurons.map((n) => n.registeredAt));
        }
      }),
      { numRuns: RUNS },
    );
    // the sequences must have exercised every path
    expect(stats.registrations).to.be.greaterThan(RUNS);
    expect(stats.prunes).to.be.greaterThan(50);
    expect(stats.allImmune).to.be.greaterThan(10);
    expect(stats.already).to.be.greaterThan(10);
    console.log(`      ${JSON.stringify(stats)}`);
  });
});
