/**
 * Bridges the chain and the TypeScript reference (packages/yuma): reads a subnet's pre-epoch state as
 * a YumaInput, runs an epoch to its end, reads the contract's results, and compares them with
 * yumaEpoch's output field by field.
 *
 * The reference is imported by relative path (node_modules/@noosphere/yuma links to the main
 * checkout, which does not have this branch's package yet).
 */
import hre from "hardhat";
import { expect } from "chai";
import {
  defaultYumaParams,
  yumaEpoch,
  type LiquidAlphaConsensusMode,
  type YumaInput,
  type YumaOutput,
  type YumaParams,
} from "@noosphere/yuma";
import type { BigNumberish } from "ethers";
import type { Consensus, ConsensusTestHarness } from "@noosphere/contracts";

/** What the bridge reads: the consensus contract, the registry and staking (real ones or the doubles). */
export interface ChainLike {
  consensus: Consensus | ConsensusTestHarness;
  subnets: {
    params(netuid: BigNumberish): Promise<{
      tempo: bigint;
      maxValidators: bigint;
      minValidatorStake: bigint;
    }>;
    neurons(netuid: BigNumberish): Promise<[string[], bigint[], bigint[]] & unknown>;
  };
  staking: {
    stakeOf(hotkey: string): Promise<bigint>;
    stakesOf?: (hotkeys: string[]) => Promise<bigint[]>;
  };
}

/** Unpacks 16 u16 lanes per word. */
function unpackRow(words: readonly bigint[], from: number, n: number): number[] {
  return [...Array(n).keys()].map((j) =>
    Number(((words[from + (j >> 4)] as bigint) >> BigInt((j & 15) * 16)) & 0xffffn),
  );
}

/** Row metadata, weight and bond rows (n entries each) and stored consensus of UIDs 0..n-1. */
async function readRows(c: Consensus | ConsensusTestHarness, netuid: number, n: number) {
  if ("testState" in c) {
    const out = {
      metas: [] as { setBlock: bigint; holderRegisteredAt: bigint }[],
      weights: [] as number[][],
      bonds: [] as number[][],
      consensusU16: [] as number[],
    };
    for (let from = 0; from < n || from === 0; from += 48) {
      const to = Math.min(n, from + 48);
      const [metas, weights, bonds, cons] = await c.testState(netuid, from, to);
      for (let i = 0; i < to - from; i++) {
        const m = metas[i] as { setBlock: bigint; holderRegisteredAt: bigint };
        out.metas.push({
          setBlock: m.setBlock,
          holderRegisteredAt: m.holderRegisteredAt,
        });
        out.weights.push(unpackRow(weights, i * 16, n));
        out.bonds.push(unpackRow(bonds, i * 16, n));
      }
      out.consensusU16 = unpackRow(cons, 0, n);
      if (to === n) break;
    }
    return out;
  }
  const metas = [];
  const weights = [];
  const bonds = [];
  for (let i = 0; i < n; i++) {
    const m = await c.rowMetaOf(netuid, i);
    metas.push({
      setBlock: m.setBlock,
      holderRegisteredAt: m.holderRegisteredAt,
    });
    weights.push((await c.weightsRow(netuid, i, n)).map(Number));
    bonds.push((await c.bondsRow(netuid, i, n)).map(Number));
  }
  return {
    metas,
    weights,
    bonds,
    consensusU16: (await c.consensusU16(netuid, n)).map(Number),
  };
}

/**
 * Per UID: whether its holder changed since the last epoch START (its registration block differs from
 * the START's snapshot; on the real contract, with one transaction per block: registered after START).
 */
async function replacedSinceStart(
  c: Consensus | ConsensusTestHarness,
  netuid: number,
  registeredAt: number[],
): Promise<boolean[]> {
  if ("testSnapshotRegistered" in c) {
    const seen = (await c.testSnapshotRegistered(netuid)).map(Number);
    return registeredAt.map((reg, i) => i < seen.length && seen[i] !== reg);
  }
  const [number, startBlock] = await c.epochStatus(netuid);
  return registeredAt.map((reg) => number !== 0n && BigInt(reg) > startBlock);
}

const MODES: LiquidAlphaConsensusMode[] = ["auto", "current", "previous", "max"];

/** The on-chain parameter struct for reference parameters (tempo, maxValidators, minimum stake live in the registry). */
export function chainParams(p: YumaParams, extra: { weightsRateLimit?: number; versionKey?: bigint } = {}) {
  return {
    configured: true,
    kappa: p.kappa,
    bondsMovingAverage: p.bondsMovingAverage,
    bondsPenalty: p.bondsPenalty,
    liquidAlpha: p.liquidAlpha.enabled,
    alphaLow: p.liquidAlpha.low,
    alphaHigh: p.liquidAlpha.high,
    alphaSteepness: p.liquidAlpha.steepness,
    consensusMode: MODES.indexOf(p.liquidAlpha.consensusMode),
    activityCutoff: p.activityCutoff,
    weightsRateLimit: extra.weightsRateLimit ?? 0,
    maxWeight: 65_535,
    versionKey: extra.versionKey ?? 0n,
  };
}

/**
 * The subnet's state as the next epoch (starting in the next block) will see it. The emission is a
 * placeholder until the epoch ran (epochMatchesReference takes it from the EpochStarted event).
 */
export async function readYumaInput(w: ChainLike, netuid: number): Promise<YumaInput> {
  const c = w.consensus;
  const [hotkeys, registered] = await w.subnets.neurons(netuid);
  const n = hotkeys.length;
  const sp = await w.subnets.params(netuid);
  const p = await c.paramsOf(netuid);
  const [next] = await c.permits(netuid);
  const block = (await hre.ethers.provider.getBlockNumber()) + 1;
  const stake = w.staking.stakesOf
    ? [...(await w.staking.stakesOf([...hotkeys]))]
    : await Promise.all(hotkeys.map((h) => w.staking.stakeOf(h)));
  const registeredAt = registered.map(Number);
  const rows = await readRows(c, netuid, n);
  const hasRow = rows.metas.map((m, i) => m.setBlock !== 0n && Number(m.holderRegisteredAt) === registeredAt[i]);
  const lastUpdate = registeredAt.map((reg, i) => (hasRow[i] ? Number(rows.metas[i]?.setBlock) : reg));
  const weights = rows.weights.map((row, i) => (hasRow[i] ? row : []));
  // Permits and bond rows belong to the holders the last START saw (a UID taken over since has neither).
  const replaced = await replacedSinceStart(c, netuid, registeredAt);
  const bonds = rows.bonds.map((row, i) => (replaced[i] ? row.map(() => 0) : row));
  const previous = rows.consensusU16;
  const params: YumaParams = {
    ...defaultYumaParams,
    kappa: p.kappa,
    bondsMovingAverage: p.bondsMovingAverage,
    bondsPenalty: p.bondsPenalty,
    liquidAlpha: {
      enabled: p.liquidAlpha,
      low: p.alphaLow,
      high: p.alphaHigh,
      steepness: Number(p.alphaSteepness),
      consensusMode: MODES[Number(p.consensusMode)] as LiquidAlphaConsensusMode,
    },
    activityCutoff: Number(p.activityCutoff),
    maxValidators: Math.min(Number(sp.maxValidators), 64),
    tempo: Number(sp.tempo),
    validatorMinStake: sp.minValidatorStake,
  };
  return {
    block,
    stake,
    validatorPermit: [...Array(n).keys()].map((i) => ((next >> BigInt(i)) & 1n) === 1n && !replaced[i]),
    lastUpdate,
    registeredAt,
    weights,
    bonds,
    previousConsensus: previous,
    emission: 0n,
    params,
  };
}

export interface EpochRunStats {
  transactions: number;
  totalGas: bigint;
  maxGas: bigint;
  /** Block of the epoch's start (the `block` of the reference's input). */
  startBlock: number;
  /** Tokens the epoch pays (pulled emission + carried dust), from EpochStarted. */
  pool: bigint;
}

/** Runs `netuid`'s epoch to its end, one transaction per call (each under the 2^24 cap). */
export async function runEpochToEnd(
  w: Pick<ChainLike, "consensus">,
  netuid: number,
  gasLimit = 16_000_000,
): Promise<EpochRunStats> {
  const stats: EpochRunStats = {
    transactions: 0,
    totalGas: 0n,
    maxGas: 0n,
    startBlock: 0,
    pool: 0n,
  };
  for (let i = 0; i < 64; i++) {
    const receipt = await (await w.consensus.runEpoch(netuid, { gasLimit })).wait();
    if (!receipt) throw new Error("no receipt");
    stats.transactions++;
    stats.totalGas += receipt.gasUsed;
    if (receipt.gasUsed > stats.maxGas) stats.maxGas = receipt.gasUsed;
    for (const log of receipt.logs) {
      const parsed = w.consensus.interface.parseLog(log);
      if (parsed?.name === "EpochStarted") {
        stats.startBlock = receipt.blockNumber;
        stats.pool = parsed.args.pool as bigint;
      }
    }
    const status = await w.consensus.epochStatus(netuid);
    if (status.stage === 0n) return stats;
  }
  throw new Error("epoch did not finish in 64 transactions");
}

/** What the contract computed for its last epoch, in the reference's shape. */
export async function readEpochOutput(w: Pick<ChainLike, "consensus">, netuid: number, n: number) {
  const c = w.consensus;
  const [vUids, , vDividends] = await c.validators(netuid);
  const dividends = [...Array(n)].map(() => 0n);
  vUids.forEach((u, k) => (dividends[Number(u)] = vDividends[k] as bigint));
  const [next] = await c.permits(netuid);
  const [minerEmission, validatorEmission] = await c.emissions(netuid);
  const rows = await readRows(c, netuid, n);
  return {
    consensus: [...(await c.consensus(netuid))],
    consensusU16: rows.consensusU16,
    incentive: [...(await c.incentives(netuid))],
    dividends,
    bonds: rows.bonds,
    newValidatorPermit: [...Array(n).keys()].map((i) => ((next >> BigInt(i)) & 1n) === 1n),
    minerEmission: [...minerEmission],
    validatorEmission: [...validatorEmission],
    dust: await c.carried(netuid),
  };
}

/** Asserts the contract's last epoch equals the reference's output exactly. */
export function expectSameAsReference(
  got: Awaited<ReturnType<typeof readEpochOutput>>,
  want: YumaOutput,
  label: string,
) {
  expect(got.consensus, `${label}: consensus`).to.deep.equal(want.consensus);
  expect(got.consensusU16, `${label}: consensusU16`).to.deep.equal(want.consensusU16);
  expect(got.incentive, `${label}: incentive`).to.deep.equal(want.incentive);
  expect(got.dividends, `${label}: dividends`).to.deep.equal(want.dividends);
  expect(got.newValidatorPermit, `${label}: permits`).to.deep.equal(want.newValidatorPermit);
  expect(got.bonds, `${label}: bonds`).to.deep.equal(want.bonds);
  expect(got.minerEmission, `${label}: miner emission`).to.deep.equal(want.minerEmission);
  expect(got.validatorEmission, `${label}: validator emission`).to.deep.equal(want.validatorEmission);
  expect(got.dust, `${label}: dust`).to.equal(want.dust);
}

/** Reads the input, runs the epoch, compares; returns the reference output and the run's gas. */
export async function epochMatchesReference(w: ChainLike, netuid: number, label: string) {
  const input = await readYumaInput(w, netuid);
  const stats = await runEpochToEnd(w, netuid);
  input.block = stats.startBlock;
  input.emission = stats.pool - (stats.pool * 1800n) / 10_000n;
  const want = yumaEpoch(input);
  const got = await readEpochOutput(w, netuid, input.stake.length);
  expectSameAsReference(got, want, label);
  return { input, want, stats };
}
