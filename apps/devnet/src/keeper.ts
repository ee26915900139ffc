import type { JsonRpcProvider, Wallet } from "ethers";
import { Consensus__factory, SubnetRegistry__factory } from "@noosphere/contracts";
import type { Consensus, SubnetRegistry, Deployment } from "@noosphere/contracts";

export interface FinishedEpoch {
  netuid: number;
  epoch: number;
  block: number;
  ownerCut: bigint;
  paid: bigint;
  carried: bigint;
  /** What the epoch paid miners (by incentive) and validators (by dividends, or stake), summed over UIDs. */
  toMiners: bigint;
  toValidators: bigint;
}

/**
 * Runs every subnet's epoch when it is due: anyone may call Consensus.runEpoch, which starts an
 * epoch (first one at once, then every `tempo` blocks) or continues one that runs in chunks.
 * Reads the epoch status first, so it only sends transactions that will do something.
 */
export class EpochKeeper {
  private readonly consensus: Consensus;
  private readonly subnets: SubnetRegistry;
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;
  private stopped = false;

  constructor(
    provider: JsonRpcProvider,
    wallet: Wallet,
    deployment: Deployment,
    private readonly netuids: readonly number[],
    private readonly opts: {
      intervalMs: number;
      onFinished?: (epoch: FinishedEpoch) => void;
      onError?: (err: unknown) => void;
    },
  ) {
    const signer = wallet.connect(provider);
    this.consensus = Consensus__factory.connect(deployment.contracts.consensus, signer);
    this.subnets = SubnetRegistry__factory.connect(deployment.contracts.subnets, provider);
  }

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.busy = this.runDue()
        .catch((err: unknown) => this.opts.onError?.(err))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.opts.intervalMs);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.busy;
  }

  /** Runs (or continues) every epoch that is due now; resolves when none is. */
  async runDue(): Promise<void> {
    for (const netuid of this.netuids) {
      for (let step = 0; step < 64 && !this.stopped; step++) {
        if (!(await this.due(netuid))) break;
        const receipt = await (await this.consensus.runEpoch(netuid)).wait();
        for (const log of receipt?.logs ?? []) {
          const parsed = this.consensus.interface.parseLog(log);
          if (parsed?.name !== "EpochFinished") continue;
          // Per-UID amounts stay readable until this subnet's next epoch starts.
          const [miners, validators] = await this.consensus.emissions(netuid);
          this.opts.onFinished?.({
            netuid,
            epoch: Number(parsed.args.epoch),
            block: receipt!.blockNumber,
            ownerCut: parsed.args.ownerCut as bigint,
            paid: parsed.args.paid as bigint,
            carried: parsed.args.carried as bigint,
            toMiners: miners.reduce((a, b) => a + b, 0n),
            toValidators: validators.reduce((a, b) => a + b, 0n),
          });
        }
      }
    }
  }

  private async due(netuid: number): Promise<boolean> {
    const [status, params, block] = await Promise.all([
      this.consensus.epochStatus(netuid),
      this.subnets.params(netuid),
      this.consensus.runner!.provider!.getBlockNumber(),
    ]);
    if (status.stage !== 0n || status.number === 0n) return true;
    // The next block (the one a transaction lands in) must reach start + tempo.
    return block + 1 >= Number(status.startBlock) + Number(params.tempo);
  }
}
