import { ZeroAddress } from "ethers";
import type { Provider } from "ethers";
import { Consensus__factory } from "@noosphere/contracts";
import type { Consensus } from "@noosphere/contracts";

/** Fixed point of the consensus contract's results: 10^18 = 1. */
const ONE = 10n ** 18n;

export interface EpochPosition {
  /** Epochs started so far (the running one included). */
  epoch: number;
  /** Block at which the running or last epoch started (0 before the first). */
  lastEpochBlock: number;
  /** 0 idle, 1 consensus, 2 bonds, 3 dividends, 4 pay. */
  stage: number;
}

/** Per-UID results of the last epoch, as fractions in [0, 1] (0 where the epoch did not reach a UID). */
export interface EpochResults {
  consensus: number[];
  incentive: number[];
  dividends: number[];
  /** Block of each UID's latest revealed weights (validators), 0 when none. */
  lastUpdate: number[];
}

export interface WeightsMatrix {
  validatorUids: number[];
  /** rows[i][uid]: validator validatorUids[i]'s weight to uid, normalised so that the row sums to 1. */
  rows: number[][];
}

/**
 * The explorer's reads of the consensus contract: epoch progress, last results per UID, revealed
 * weights. With no consensus contract deployed (address zero) everything reads as empty.
 */
export class ConsensusView {
  private readonly contract: Consensus | undefined;

  constructor(provider: Provider, address: string) {
    this.contract = address === ZeroAddress ? undefined : Consensus__factory.connect(address, provider);
  }

  async epochOf(netuid: number): Promise<EpochPosition> {
    if (!this.contract) return { epoch: 0, lastEpochBlock: 0, stage: 0 };
    const status = await this.contract.epochStatus(netuid);
    return { epoch: Number(status.number), lastEpochBlock: Number(status.startBlock), stage: Number(status.stage) };
  }

  async lastResults(netuid: number): Promise<EpochResults> {
    if (!this.contract) return { consensus: [], incentive: [], dividends: [], lastUpdate: [] };
    const [consensus, incentive, validators] = await Promise.all([
      this.contract.consensus(netuid),
      this.contract.incentives(netuid),
      this.contract.validators(netuid),
    ]);
    const n = Math.max(consensus.length, incentive.length);
    const dividends = new Array<number>(n).fill(0);
    const lastUpdate = new Array<number>(n).fill(0);
    validators.uids.forEach((uid, k) => {
      const u = Number(uid);
      dividends[u] = fraction(validators.dividends[k] ?? 0n);
      lastUpdate[u] = Number(validators.lastUpdate[k] ?? 0n);
    });
    return { consensus: consensus.map(fraction), incentive: incentive.map(fraction), dividends, lastUpdate };
  }

  /**
   * The latest revealed row of every validator (UIDs with a permit, in this epoch or the next), as
   * fractions of the row's sum. Rows never revealed are left out.
   */
  async weights(netuid: number, neurons: number): Promise<WeightsMatrix> {
    if (!this.contract || neurons === 0) return { validatorUids: [], rows: [] };
    const { next, current } = await this.contract.permits(netuid);
    const bits = next | current;
    const candidates = Array.from({ length: neurons }, (_, uid) => uid).filter((uid) => (bits >> BigInt(uid)) & 1n);
    const rows = await Promise.all(
      candidates.map(async (uid) => {
        const meta = await this.contract!.rowMetaOf(netuid, uid);
        if (meta.setBlock === 0n || meta.sum === 0n) return undefined;
        const row = await this.contract!.weightsRow(netuid, uid, neurons);
        const sum = Number(meta.sum);
        return { uid, row: row.map((w) => Number(w) / sum) };
      }),
    );
    const revealed = rows.filter((r): r is { uid: number; row: number[] } => r !== undefined);
    return { validatorUids: revealed.map((r) => r.uid), rows: revealed.map((r) => r.row) };
  }
}

/** 10^18 fixed point -> float (6 significant decimals are plenty for a page). */
function fraction(x: bigint): number {
  return Number((x * 1_000_000n) / ONE) / 1_000_000;
}
