// Where an epoch's gas goes, stage by stage: each epoch transaction is traced (debug_traceTransaction)
// and the gas of each step's library call (and of the calls the contract makes around it: emission,
// registry, staking) is given to the step's stage; the rest (21,000 per transaction, dispatch, events,
// the state machine) is "other". Used by test/gas/consensus.ts for the 64 x 256 subnets.
import hre from "hardhat";
import type { TransactionReceipt } from "ethers";
import type { ConsensusTestHarness } from "@noosphere/contracts";

/** Gas per stage of one epoch: START, PASS, DIVIDENDS, PAY, other. */
export type StageGas = Record<string, bigint>;

const STAGES = ["IDLE", "PASS", "DIVIDENDS", "PAY"];

interface StructLog {
  op: string;
  gas: number;
  depth: number;
}

/** The stage of each step a transaction ran, in order ("START" for the epoch's start). */
function stepsOf(harness: ConsensusTestHarness, receipt: TransactionReceipt): string[] {
  const steps: string[] = [];
  for (const log of receipt.logs) {
    const parsed = harness.interface.parseLog(log);
    if (parsed?.name === "EpochStarted") steps.push("START");
    if (parsed?.name === "EpochStep") steps.push(STAGES[Number(parsed.args.stage)] ?? "?");
  }
  return steps;
}

/** Adds the gas of `receipts` (one epoch's transactions) to `into`, stage by stage. */
export async function addStageGas(
  harness: ConsensusTestHarness,
  receipts: TransactionReceipt[],
  into: StageGas,
): Promise<void> {
  for (const receipt of receipts) {
    const steps = stepsOf(harness, receipt);
    const trace = (await hre.network.provider.send("debug_traceTransaction", [
      receipt.hash,
      { disableStorage: true, disableMemory: true, disableStack: true },
    ])) as { structLogs: StructLog[] };
    const logs = trace.structLogs;
    let step = -1;
    let attributed = 0n;
    for (let i = 0; i < logs.length; i++) {
      const l = logs[i] as StructLog;
      if (l.depth !== 1 || !l.op.includes("CALL") || (logs[i + 1]?.depth ?? 0) !== 2) continue;
      let k = i + 1;
      while (k < logs.length && (logs[k] as StructLog).depth > 1) k++;
      const used = BigInt(l.gas - (logs[k]?.gas ?? 0));
      // library calls (DELEGATECALL) are the steps; other calls belong to the step around them
      if (l.op === "DELEGATECALL") step++;
      const stage = steps[Math.max(step, 0)] ?? "other";
      into[stage] = (into[stage] ?? 0n) + used;
      attributed += used;
      i = k - 1;
    }
    into.other = (into.other ?? 0n) + receipt.gasUsed - attributed;
  }
}
