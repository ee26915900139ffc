import { formatEther } from "ethers";
import type { JsonRpcProvider } from "ethers";
import { Billing__factory, Consensus__factory, SubnetRegistry__factory } from "@noosphere/contracts";
import type { Billing, Consensus, SubnetRegistry, Deployment } from "@noosphere/contracts";

export interface SubnetStatus {
  netuid: number;
  taskId: string;
  /** Epochs started. */
  epoch: number;
  /** Blocks until the next epoch is due (0: due or running). */
  dueIn: number;
}

export interface NetworkStatus {
  block: number;
  subnets: SubnetStatus[];
  /** Emission paid by finished epochs: owner cuts plus miners' and validators' shares. */
  emissionPaid: bigint;
  /** NOOS taken from escrows by redemptions (burned, or booked for the next settlement). */
  burned: bigint;
  epochsFinished: number;
}

/** Reads what the status line shows; finished epochs are counted from events, scanned incrementally. */
export class StatusReader {
  private readonly consensus: Consensus;
  private readonly subnets: SubnetRegistry;
  private readonly billing: Billing;
  private scannedTo: number;
  private paid = 0n;
  private finished = 0;
  private readonly taskIds = new Map<number, string>();

  constructor(
    private readonly provider: JsonRpcProvider,
    deployment: Deployment,
    private readonly netuids: readonly number[],
  ) {
    this.consensus = Consensus__factory.connect(deployment.contracts.consensus, provider);
    this.subnets = SubnetRegistry__factory.connect(deployment.contracts.subnets, provider);
    this.billing = Billing__factory.connect(deployment.contracts.billing, provider);
    this.scannedTo = deployment.deployedAtBlock - 1;
  }

  async read(): Promise<NetworkStatus> {
    const block = await this.provider.getBlockNumber();
    const [subnets, [burned], [pendingBurn]] = await Promise.all([
      Promise.all(this.netuids.map((n) => this.subnet(n, block))),
      this.billing.totals(),
      this.billing.pending(),
      this.scanEpochs(block),
    ]);
    return { block, subnets, emissionPaid: this.paid, burned: burned + pendingBurn, epochsFinished: this.finished };
  }

  private async subnet(netuid: number, block: number): Promise<SubnetStatus> {
    const [status, params] = await Promise.all([this.consensus.epochStatus(netuid), this.subnets.params(netuid)]);
    this.taskIds.set(netuid, params.taskId);
    const next = Number(status.startBlock) + Number(params.tempo);
    const running = status.stage !== 0n || status.number === 0n;
    return {
      netuid,
      taskId: params.taskId,
      epoch: Number(status.number),
      dueIn: running ? 0 : Math.max(0, next - block),
    };
  }

  private async scanEpochs(head: number): Promise<void> {
    if (head <= this.scannedTo) return;
    const events = await this.consensus.queryFilter(this.consensus.filters.EpochFinished(), this.scannedTo + 1, head);
    for (const e of events) {
      this.paid += e.args.ownerCut + e.args.paid;
      this.finished += 1;
    }
    this.scannedTo = head;
  }
}

/** One line: block, each subnet's epoch and blocks to the next, emission paid, burned, services up. */
export function formatStatus(s: NetworkStatus, services: { up: number; total: number }): string {
  const subnets = s.subnets
    .map((n) => `${n.taskId} #${n.epoch}${n.dueIn > 0 ? ` (next in ${n.dueIn})` : ""}`)
    .join(" · ");
  return [
    `block ${s.block}`,
    `epochs ${subnets}`,
    `emission paid ${short(s.emissionPaid)} NOOS`,
    `burned ${short(s.burned, 6)} NOOS`,
    `services ${services.up}/${services.total} up`,
  ].join(" │ ");
}

function short(amount: bigint, digits = 2): string {
  const [whole, frac = ""] = formatEther(amount).split(".");
  const f = frac.slice(0, digits).replace(/0+$/, "");
  return f ? `${whole}.${f}` : whole!;
}
