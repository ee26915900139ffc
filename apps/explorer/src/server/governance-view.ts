import { ZeroAddress } from "ethers";
import type { Provider } from "ethers";
import { NoosGovernor__factory, PROPOSAL_STATES } from "@noosphere/contracts";
import type { NoosGovernor } from "@noosphere/contracts";
import type { ProposalRow } from "../shared/types";

interface Created {
  id: bigint;
  proposer: string;
  description: string;
  voteEnd: number;
}

const LOG_RANGE = 10_000;

/**
 * DAO proposals from the governor's `ProposalCreated` events (scanned incrementally), each with its
 * current state and vote tally read live.
 */
export class GovernanceView {
  private readonly governor: NoosGovernor | undefined;
  private readonly created: Created[] = [];
  private scannedTo: number;
  private scanning: Promise<void> | undefined;

  constructor(
    private readonly provider: Provider,
    address: string,
    fromBlock: number,
  ) {
    this.governor = address === ZeroAddress ? undefined : NoosGovernor__factory.connect(address, provider);
    this.scannedTo = fromBlock - 1;
  }

  /** Every proposal, newest first. */
  async proposals(): Promise<ProposalRow[]> {
    if (!this.governor) return [];
    this.scanning ??= this.scan().finally(() => {
      this.scanning = undefined;
    });
    await this.scanning;
    const governor = this.governor;
    const rows = await Promise.all(
      this.created.map(async (p) => {
        const [state, votes] = await Promise.all([governor.state(p.id), governor.proposalVotes(p.id)]);
        return {
          id: p.id.toString(),
          description: p.description,
          state: PROPOSAL_STATES[Number(state)] ?? `state ${state}`,
          forVotes: votes.forVotes.toString(),
          againstVotes: votes.againstVotes.toString(),
          abstainVotes: votes.abstainVotes.toString(),
          proposer: p.proposer,
          voteEnd: p.voteEnd,
        };
      }),
    );
    return rows.reverse();
  }

  private async scan(): Promise<void> {
    const governor = this.governor!;
    const head = await this.provider.getBlockNumber();
    while (this.scannedTo < head) {
      const from = this.scannedTo + 1;
      const to = Math.min(head, from + LOG_RANGE - 1);
      for (const e of await governor.queryFilter(governor.filters.ProposalCreated(), from, to)) {
        this.created.push({
          id: e.args.proposalId,
          proposer: e.args.proposer,
          description: e.args.description,
          voteEnd: Number(e.args.voteEnd),
        });
      }
      this.scannedTo = to;
    }
  }
}
