import type { TransactionRequest } from "ethers";
import type { WeightsRow } from "./compute";

/** Where the subnet's on-chain epochs stand. */
export interface ConsensusStatus {
  /** Epochs started (the running one included): commits are made "in" this epoch. */
  epoch: bigint;
  startBlock: number;
  /** 0 when idle (reveals are accepted); otherwise an epoch is being processed in chunks. */
  stage: number;
  block: number;
  tempo: number;
}

export interface PendingCommit {
  hash: string;
  epoch: bigint;
  commitBlock: number;
}

export interface WeightsParams {
  versionKey: bigint;
  /** Largest share of one weight, of 65,535. */
  maxWeight: number;
  /** Blocks between two commits of one validator. */
  rateLimit: number;
}

/** Why the contract would refuse a call, decoded from its custom error. */
export class ConsensusRefusal extends Error {
  constructor(
    readonly errorName: string,
    readonly args: readonly unknown[],
  ) {
    super(`consensus refused: ${errorName}(${args.map(String).join(", ")})`);
  }
}

/**
 * The part of the consensus contract the weights job uses. Requests are checked with a gas
 * estimate, so a call the contract would refuse throws ConsensusRefusal before anything is signed.
 */
export interface WeightsChain {
  readonly netuid: number;
  /** The validator's hotkey, which commits and reveals. */
  readonly hotkey: string;
  status(): Promise<ConsensusStatus>;
  commitOf(uid: number): Promise<PendingCommit>;
  params(): Promise<WeightsParams>;
  commitRequest(hash: string): Promise<TransactionRequest>;
  revealRequest(row: WeightsRow, salt: string, versionKey: bigint): Promise<TransactionRequest>;
  /** A request that starts or continues the subnet's epoch, or undefined when none is due. */
  runEpochRequest(): Promise<TransactionRequest | undefined>;
}
