// Gas of the consensus contract on the in-process Hardhat network: a whole Yuma epoch (every chunk
// transaction) for 8x64, 16x128, 32x256 and 64x256 subnets (validators x UIDs), and commit / reveal.
// Real Token, Emission, Staking and SubnetRegistry; weights written through the test harness (same
// storage as a reveal) with honest-looking rows: every validator weights every miner by the miner's
// quality plus 5% noise, redrawn each epoch. Every hotkey is owned by one coldkey (the admin), so the
// payout credits one warm claimable balance; distinct never-credited owners cost Staking ~5,000 gas
// more per UID (see the staking bench's distributeBatch rows).
// The steady 64 x 256 epochs are also split by stage (consensus-stages.ts, traced: slower).
// Run: npx hardhat run test/gas/consensus.ts
import hre from "hardhat";
import type { TransactionReceipt } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { addStageGas, type StageGas } from "./consensus-stages";
import { registerNeuron } from "@noosphere/deploy";
import {
  commitHash,
  createTestSubnet,
  deployStack,
  mineToDue,
  ONE,
  paramsObject,
  type Stack,
} from "../consensus/fixtures";

export interface GasRow {
  name: string;
  gas: bigint;
}

export interface EpochGas {
  label: string;
  validators: number;
  uids: number;
  /** First epoch with weights: every bonds slot is written for the first time. */
  first: { total: bigint; max: bigint; txs: number };
  /** A later epoch (bonds exist, weights re-revealed with new noise). */
  steady: { total: bigint; max: bigint; txs: number };
  /** The steady epoch by stage (64 x 256 only). */
  stages?: StageGas;
}

const GAS_LIMIT = 16_000_000;

let nextSigner = 0;
async function signer(): Promise<HardhatEthersSigner> {
  const address = hre.ethers.zeroPadValue(hre.ethers.toBeHex(0xc0de0000 + nextSigner++), 20);
  await hre.network.provider.send("hardhat_setBalance", [address, "0x56bc75e2d63100000"]);
  return hre.ethers.getImpersonatedSigner(address);
}

/** A deterministic generator (no Math.random in benches). */
function rngFrom(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 2 ** 32;
  };
}

async function runEpoch(
  s: Stack,
  netuid: number,
  receipts: TransactionReceipt[] = [],
): Promise<{ total: bigint; max: bigint; txs: number }> {
  await mineToDue(s, s.harness, netuid);
  const out = { total: 0n, max: 0n, txs: 0 };
  for (;;) {
    const receipt = await (await s.harness.runEpoch(netuid, { gasLimit: GAS_LIMIT })).wait();
    if (!receipt) throw new Error("no receipt");
    receipts.push(receipt);
    out.total += receipt.gasUsed;
    if (receipt.gasUsed > out.max) out.max = receipt.gasUsed;
    out.txs++;
    if ((await s.harness.epochStatus(netuid)).stage === 0n) return out;
  }
}

/** Builds a subnet of `validators` staked UIDs and `uids - validators` miners, runs it, measures. */
export async function measureOne(
  s: Stack,
  validators: number,
  uids: number,
  seed = 7,
  liquid = false,
): Promise<EpochGas> {
  return measure(s, validators, uids, seed, liquid);
}

async function measure(s: Stack, validators: number, uids: number, seed: number, liquid = false): Promise<EpochGas> {
  const rng = rngFrom(seed);
  const netuid = await createTestSubnet(s, {
    tempo: 50,
    maxValidators: validators,
    share: 0,
  });
  if (liquid) {
    const p = {
      ...paramsObject(await s.harness.defaultParams()),
      liquidAlpha: true,
      consensusMode: 1n,
    };
    await (await s.harness.setParams(netuid, p)).wait();
  }
  await (await s.emission.setEmissionShare(netuid, 1_000)).wait();
  const hotkeys: HardhatEthersSigner[] = [];
  for (let i = 0; i < uids; i++) {
    const h = await signer();
    await (await s.staking.connect(h).registerHotkey(await s.admin.getAddress())).wait();
    await registerNeuron(s.subnets, h, netuid, h.address, 0n);
    hotkeys.push(h);
  }
  const total = BigInt(validators) * 10_000n * ONE;
  await (await s.token.mint(await s.admin.getAddress(), total)).wait();
  await (await s.token.approve(await s.staking.getAddress(), total)).wait();
  for (let i = 0; i < validators; i++) {
    await (
      await s.staking.delegate((hotkeys[i] as HardhatEthersSigner).address, 10_000n * ONE - BigInt(i) * ONE, 0n)
    ).wait();
  }
  await runEpoch(s, netuid); // permits
  const quality = [...Array(uids).keys()].map((j) => (j < validators ? 0 : 0.2 + 0.8 * rng()));
  const reveal = async () => {
    const block = (await hre.ethers.provider.getBlockNumber()) + 1;
    for (let k = 0; k < validators; k++) {
      const row = quality.map((q) => Math.min(65_535, Math.round(60_000 * q * (0.95 + 0.1 * rng()))));
      const reg = await s.subnets.registeredAt(netuid, k);
      await (await s.harness.testSetRow(netuid, k, row, block, reg)).wait();
    }
  };
  await reveal();
  const first = await runEpoch(s, netuid);
  await reveal();
  await runEpoch(s, netuid);
  await reveal();
  const receipts: TransactionReceipt[] = [];
  const steady = await runEpoch(s, netuid, receipts);
  let stages: StageGas | undefined;
  if (validators === 64 && uids === 256) {
    stages = {};
    await addStageGas(s.harness, receipts, stages);
  }
  return {
    label: `${validators}x${uids}${liquid ? " liquid" : ""}`,
    validators,
    uids,
    stages,
    first,
    steady,
  };
}

/** Gas of a commit and of a reveal of a full row (every miner of a 64x256 subnet). */
async function commitReveal(s: Stack): Promise<GasRow[]> {
  const netuid = await createTestSubnet(s, {
    tempo: 20,
    maxValidators: 4,
    share: 0,
  });
  await (
    await s.harness.setParams(netuid, {
      ...paramsObject(await s.harness.defaultParams()),
      weightsRateLimit: 0,
    })
  ).wait();
  const v = await signer();
  await (await s.staking.connect(v).registerHotkey(await s.admin.getAddress())).wait();
  await registerNeuron(s.subnets, v, netuid, v.address, 0n);
  await (await s.token.mint(await s.admin.getAddress(), ONE)).wait();
  await (await s.token.approve(await s.staking.getAddress(), ONE)).wait();
  await (await s.staking.delegate(v.address, ONE, 0n)).wait();
  for (let i = 1; i < 256; i++) {
    const h = await signer();
    await (await s.staking.connect(h).registerHotkey(await s.admin.getAddress())).wait();
    await registerNeuron(s.subnets, h, netuid, h.address, 0n);
  }
  await runEpoch(s, netuid);
  const uids = [...Array(255).keys()].map((i) => i + 1);
  const weights = uids.map((u) => 1 + ((u * 7919) % 65_535));
  const salt = hre.ethers.id("bench");
  const hash = commitHash(netuid, v.address, uids, weights, salt);
  const commit = await (await s.harness.connect(v).commitWeights(netuid, hash)).wait();
  await runEpoch(s, netuid);
  const reveal = await (await s.harness.connect(v).revealWeights(netuid, uids, weights, salt, 0)).wait();
  const hash2 = commitHash(
    netuid,
    v.address,
    uids,
    weights.map((w) => 65_535 - w + 1),
    salt,
  );
  const commit2 = await (await s.harness.connect(v).commitWeights(netuid, hash2)).wait();
  await runEpoch(s, netuid);
  const reveal2 = await (
    await s.harness.connect(v).revealWeights(
      netuid,
      uids,
      weights.map((w) => 65_535 - w + 1),
      salt,
      0,
    )
  ).wait();
  return [
    { name: "consensus commitWeights (first)", gas: commit?.gasUsed ?? 0n },
    { name: "consensus commitWeights (next)", gas: commit2?.gasUsed ?? 0n },
    {
      name: "consensus revealWeights 255 UIDs (first row)",
      gas: reveal?.gasUsed ?? 0n,
    },
    {
      name: "consensus revealWeights 255 UIDs (replacing a row)",
      gas: reveal2?.gasUsed ?? 0n,
    },
  ];
}

export const SHAPES: [number, number][] = [
  [8, 64],
  [16, 128],
  [32, 256],
  [64, 256],
];

/** Every shape's epoch gas and the commit / reveal gas. */
export async function measureAll(): Promise<{
  epochs: EpochGas[];
  calls: GasRow[];
}> {
  const s = await deployStack();
  const epochs: EpochGas[] = [];
  for (const [v, n] of SHAPES) epochs.push(await measure(s, v, n, v * 1000 + n));
  epochs.push(await measure(s, 64, 256, 64_256, true));
  return { epochs, calls: await commitReveal(s) };
}

export async function gasRows(): Promise<GasRow[]> {
  const { epochs, calls } = await measureAll();
  const rows: GasRow[] = [];
  for (const e of epochs) {
    rows.push({
      name: `consensus epoch ${e.label}: total (${e.steady.txs} txs)`,
      gas: e.steady.total,
    });
    rows.push({
      name: `consensus epoch ${e.label}: largest transaction`,
      gas: e.steady.max,
    });
    rows.push({
      name: `consensus epoch ${e.label}, first with weights: total (${e.first.txs} txs)`,
      gas: e.first.total,
    });
    rows.push({
      name: `consensus epoch ${e.label}, first with weights: largest transaction`,
      gas: e.first.max,
    });
    for (const [stage, gas] of Object.entries(e.stages ?? {})) {
      rows.push({ name: `consensus epoch ${e.label}: stage ${stage}`, gas });
    }
  }
  return [...rows, ...calls];
}

/** Deployed bytecode sizes of the consensus contract and its libraries. */
export async function bytecodeSizes(): Promise<{ name: string; bytes: number }[]> {
  const names = ["Consensus", "EpochStartLib", "EpochConsensusLib", "EpochPayLib", "ConsensusTestHarness"];
  const out = [];
  for (const name of names) {
    const artifact = await hre.artifacts.readArtifact(name);
    out.push({ name, bytes: (artifact.deployedBytecode.length - 2) / 2 });
  }
  return out;
}

if (require.main === module) {
  (async () => {
    const { epochs, calls } = await measureAll();
    const fmt = (x: bigint | number) => x.toLocaleString("en-US");
    const head = [
      "subnet (V x UIDs)",
      "epoch total gas",
      "largest tx",
      "txs",
      "first epoch total",
      "first largest tx",
      "txs",
    ];
    console.log(head.map((h, i) => (i === 0 ? h.padEnd(20) : h.padStart(18))).join(""));
    for (const e of epochs) {
      const cells = [
        e.label,
        fmt(e.steady.total),
        fmt(e.steady.max),
        fmt(e.steady.txs),
        fmt(e.first.total),
        fmt(e.first.max),
        fmt(e.first.txs),
      ];
      console.log(cells.map((c, i) => (i === 0 ? c.padEnd(20) : c.padStart(18))).join(""));
    }
    for (const e of epochs) {
      if (!e.stages) continue;
      const parts = Object.entries(e.stages).map(([stage, gas]) => `${stage} ${fmt(gas)}`);
      console.log(`${e.label} steady by stage: ${parts.join(", ")}`);
    }
    console.log("");
    for (const { name, gas } of calls) console.log(`${name.padEnd(60)} ${fmt(gas).padStart(14)}`);
    for (const { name, bytes } of await bytecodeSizes()) {
      console.log(`${(name + " deployed bytecode (bytes, limit 24,576)").padEnd(60)} ${fmt(bytes).padStart(14)}`);
    }
  })().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
