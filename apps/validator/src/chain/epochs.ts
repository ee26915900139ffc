import type { Provider } from "ethers";

/** Where the subnet is in its epochs, as the weights and the job ids see it. */
export interface EpochState {
  /** Epoch number: scores and weights are grouped by it. */
  epoch: bigint;
  block: number;
  /** Whether a reveal would be accepted now (no epoch is being processed on-chain). */
  revealOpen: boolean;
}

export interface EpochClock {
  current(): Promise<EpochState>;
}

/**
 * Epochs counted from blocks: floor(block / tempo). Used when no consensus contract is
 * configured (probing and scoring only); the consensus clock replaces it for weights.
 */
export class BlockEpochClock implements EpochClock {
  constructor(
    private readonly provider: Provider,
    private readonly tempo: () => Promise<number>,
  ) {}

  async current(): Promise<EpochState> {
    const [block, tempo] = await Promise.all([this.provider.getBlockNumber(), this.tempo()]);
    return { epoch: BigInt(Math.floor(block / Math.max(1, tempo))), block, revealOpen: true };
  }
}
