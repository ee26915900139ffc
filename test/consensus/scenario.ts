/**
 * Random subnets on chain for the differential tests and the bench: a packages/yuma random subnet
 * (stakes, permits, last updates, registrations, weight and bond rows, previous consensus) written
 * into the test world through the registry/staking doubles and the consensus harness, and random
 * changes between epochs (new weights, registrations, stake moves, emission).
 */
import hre from "hardhat";
import { takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import {
  randomBigint,
  randomInt,
  randomSubnet,
  seededRng,
  type RandomSubnetOptions,
  type Rng,
  type YumaInput,
} from "@noosphere/yuma";
import { chainParams, epochMatchesReference } from "./reference";
import { createSubnet, hotkeyAddress, setStakes, type World } from "./world";

const ONE = 10n ** 18n;

export async function mineTo(block: number): Promise<void> {
  const now = await hre.ethers.provider.getBlockNumber();
  if (block > now) await hre.network.provider.send("hardhat_mine", ["0x" + (block - now).toString(16)]);
}

/** Writes a packages/yuma random subnet on chain as subnet `netuid`; the next epoch is due. */
export async function writeRandomSubnet(
  w: World,
  netuid: number,
  rng: Rng,
  opts: RandomSubnetOptions,
): Promise<{ input: YumaInput; hotkeys: string[] }> {
  const input = randomSubnet(rng, opts);
  const n = input.stake.length;
  const p = input.params;
  await mineTo(input.block - 400);
  const hotkeys = await createSubnet(w, {
    netuid,
    neurons: n,
    tempo: p.tempo,
    maxValidators: Math.min(p.maxValidators, 64),
    minStake: p.validatorMinStake,
  });
  await (await w.consensus.setParams(netuid, chainParams(p))).wait();
  const uids = [...Array(n).keys()];
  for (let i = 0; i < n; i += 128) {
    await (
      await w.subnets.setRegisteredAt(
        netuid,
        uids.slice(i, i + 128),
        input.registeredAt.slice(i, i + 128).map((b) => BigInt(b)),
      )
    ).wait();
  }
  await setStakes(w, hotkeys, input.stake);
  for (let i = 0; i < n; i++) {
    const row = input.weights[i] as number[];
    if (row.length !== 0 && (input.lastUpdate[i] as number) > 0) {
      await (
        await w.consensus.testSetRow(netuid, i, row, input.lastUpdate[i] as number, input.registeredAt[i] as number)
      ).wait();
    }
    const bonds = input.bonds[i] as number[];
    if (bonds.length !== 0 && input.validatorPermit[i]) await (await w.consensus.testSetBonds(netuid, i, bonds)).wait();
  }
  let permits = 0n;
  input.validatorPermit.forEach((on, i) => {
    if (on) permits |= 1n << BigInt(i);
  });
  await (await w.consensus.testSetPermits(netuid, permits)).wait();
  if ((input.previousConsensus ?? []).length !== 0) {
    await (await w.consensus.testSetConsensusU16(netuid, input.previousConsensus as number[])).wait();
  }
  await (await w.emission.addAccrued(netuid, input.emission)).wait();
  await mineTo(input.block - 1);
  return { input, hotkeys };
}

export interface ChangeOptions {
  /** Share of validators (permit holders) that reveal new random weights (default 0.5). */
  reweight?: number;
  /** New UIDs registered (default 0..2). */
  newNeurons?: number;
  /** UIDs replaced by a new hotkey (default 0..2). */
  replaced?: number;
  /** Share of UIDs whose stake changes (default 0.2). */
  restake?: number;
}

/** Random changes between two epochs, then mines to the next epoch's due block. */
export async function changeBetweenEpochs(w: World, netuid: number, rng: Rng, opts: ChangeOptions = {}): Promise<void> {
  const c = w.consensus;
  let n = Number(await w.subnets.neuronCount(netuid));
  const [next] = await c.permits(netuid);
  const now = await hre.ethers.provider.getBlockNumber();
  // registrations: new UIDs and replacements (a prune and re-registration)
  const added = opts.newNeurons ?? randomInt(rng, 0, 2);
  const fresh: string[] = [];
  for (let i = 0; i < added && n + fresh.length < 256; i++) fresh.push(hotkeyAddress(netuid, 1000 + now + i));
  if (fresh.length !== 0) {
    await (await w.subnets.register(netuid, fresh)).wait();
    await setStakes(
      w,
      fresh,
      fresh.map(() => (rng() < 0.5 ? randomBigint(rng, 1000n * ONE) : 0n)),
    );
    n += fresh.length;
  }
  const replaced = opts.replaced ?? randomInt(rng, 0, 2);
  for (let i = 0; i < replaced && n > 0; i++) {
    const uid = randomInt(rng, 0, n - 1);
    const hotkey = hotkeyAddress(netuid, 5000 + now + i);
    await (await w.subnets.replace(netuid, uid, hotkey)).wait();
    await setStakes(w, [hotkey], [rng() < 0.5 ? randomBigint(rng, 100_000n * ONE) : 0n]);
  }
  // stake moves
  const movers: string[] = [];
  const amounts: bigint[] = [];
  for (let i = 0; i < n; i++) {
    if (rng() < (opts.restake ?? 0.2)) {
      movers.push(await w.subnets.hotkeyOf(netuid, i));
      amounts.push(randomBigint(rng, 1_000_000n * ONE));
    }
  }
  if (movers.length !== 0) await setStakes(w, movers, amounts);
  // new weights from some permit holders (as a reveal would store them)
  for (let i = 0; i < n; i++) {
    if (((next >> BigInt(i)) & 1n) === 0n || rng() >= (opts.reweight ?? 0.5)) continue;
    const density = rng();
    const row: number[] = [...Array(n)].map(() => (rng() < density ? randomInt(rng, 1, 65_535) : 0));
    if (!row.some((x) => x !== 0)) row[randomInt(rng, 0, n - 1)] = 1;
    const block = (await hre.ethers.provider.getBlockNumber()) + 1;
    await (await c.testSetRow(netuid, i, row, block, await w.subnets.registeredAt(netuid, i))).wait();
  }
  await (await w.emission.addAccrued(netuid, randomBigint(rng, 5_000n * ONE))).wait();
  const [, startBlock] = await c.epochStatus(netuid);
  const tempo = Number((await w.subnets.params(netuid)).tempo);
  await mineTo(Number(startBlock) + tempo + randomInt(rng, 0, 3) - 1);
}

/**
 * Differential cases: for seeds first..first+count-1, a random subnet of the given shape is written
 * on chain, then `epochs` epochs run with random changes in between, each compared with the
 * reference; the chain is reset between cases (EVM snapshot).
 */
export async function runDifferentialCases(
  w: World,
  first: number,
  count: number,
  epochs: number,
  shape: (rng: Rng) => RandomSubnetOptions,
): Promise<void> {
  for (let k = 0; k < count; k++) {
    const seed = first + k;
    const snapshot = await takeSnapshot();
    const rng = seededRng(seed);
    const netuid = 1 + (seed % 1000);
    await writeRandomSubnet(w, netuid, rng, shape(rng));
    for (let e = 0; e < epochs; e++) {
      await epochMatchesReference(w, netuid, `seed ${seed} epoch ${e}`);
      if (e + 1 < epochs) await changeBetweenEpochs(w, netuid, rng);
    }
    await snapshot.restore();
  }
}
