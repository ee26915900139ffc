/**
 * The read side of proposals: state (as the next block will see it), votes, quorum, timelock eta, and
 * the calls of a proposal found from its ProposalCreated event.
 */
import type { ContractRunner } from "ethers";
import { PROPOSAL_STATES } from "@noosphere/contracts";
import type { NoosGovernor, ProposalState } from "@noosphere/contracts";
import { governorAt } from "./addresses";
import type { DaoAddresses } from "./addresses";
import { DaoError } from "./errors";

export interface VoteTally {
  against: bigint;
  for: bigint;
  abstain: bigint;
}

export interface ProposalDetails {
  proposalId: bigint;
  proposer: string;
  targets: string[];
  values: bigint[];
  calldatas: string[];
  description: string;
}

export interface ProposalStatus extends ProposalDetails {
  state: ProposalState;
  voteStart: bigint;
  voteEnd: bigint;
  /** Unix time from which the queued proposal may execute (0 if not queued). */
  eta: bigint;
  votes: VoteTally;
  /** Votes (for + abstain) needed, as of voteStart (0 while the snapshot is in the future). */
  quorum: bigint;
  currentBlock: bigint;
  now: bigint;
}

/** Options of the functions that look a proposal up by id in the governor's events. */
export interface LookupOptions {
  /** First block to scan for ProposalCreated (default 0). */
  fromBlock?: number;
}

/** Everything about a proposal: its calls, state, votes, quorum, voting window and timelock eta. */
export async function status(
  runner: ContractRunner,
  addresses: DaoAddresses,
  proposalId: bigint,
  options: LookupOptions = {},
): Promise<ProposalStatus> {
  const governor = governorAt(addresses, runner);
  const state = await knownState(governor, proposalId);
  const [details, voteStart, voteEnd, eta, votes, block, now] = await Promise.all([
    findProposal(runner, addresses, proposalId, options),
    governor.proposalSnapshot(proposalId),
    governor.proposalDeadline(proposalId),
    governor.proposalEta(proposalId),
    tally(governor, proposalId),
    currentBlock(runner),
    currentTime(runner),
  ]);
  const quorum = voteStart < block ? await governor.quorum(voteStart) : 0n;
  return { ...details, state, voteStart, voteEnd, eta, votes, quorum, currentBlock: block, now };
}

/** The calls and description of `proposalId`, read from the governor's ProposalCreated event. */
export async function findProposal(
  runner: ContractRunner,
  addresses: DaoAddresses,
  proposalId: bigint,
  options: LookupOptions = {},
): Promise<ProposalDetails> {
  const governor = governorAt(addresses, runner);
  const snapshot = await governor.proposalSnapshot(proposalId);
  const event = snapshot === 0n ? undefined : await proposalCreatedEvent(governor, proposalId, snapshot, options);
  if (!event) {
    throw new DaoError(
      "UNKNOWN_PROPOSAL",
      `no proposal ${proposalId} on governor ${addresses.governor}`,
      "check the id (noos dao status lists it) and the governor address",
    );
  }
  return {
    proposalId,
    proposer: event.args.proposer,
    targets: [...event.args.targets],
    values: [...event.args[3]],
    calldatas: [...event.args.calldatas],
    description: event.args.description,
  };
}

/**
 * The ProposalCreated event of `proposalId`. With a block clock the proposal was created
 * `votingDelay` blocks before its snapshot, so a short range is searched first: a scan from
 * block 0 takes seconds on a long chain. The delay may have shrunk since (a governance
 * change), so the whole range is the fallback.
 */
async function proposalCreatedEvent(
  governor: NoosGovernor,
  proposalId: bigint,
  snapshot: bigint,
  options: LookupOptions,
) {
  const start = options.fromBlock ?? 0;
  const delay = await governor.votingDelay();
  const from = Math.max(start, Number(snapshot > delay ? snapshot - delay : 0n));
  const find = async (fromBlock: number, toBlock?: number) =>
    (await governor.queryFilter(governor.filters.ProposalCreated(), fromBlock, toBlock)).find(
      (e) => e.args.proposalId === proposalId,
    );
  return (await find(from, Number(snapshot))) ?? (from > start ? await find(start) : undefined);
}

export async function stateOf(governor: NoosGovernor, proposalId: bigint): Promise<ProposalState> {
  return PROPOSAL_STATES[Number(await governor.state(proposalId))]!;
}

export async function knownState(governor: NoosGovernor, proposalId: bigint): Promise<ProposalState> {
  if ((await governor.proposalSnapshot(proposalId)) === 0n) {
    throw new DaoError(
      "UNKNOWN_PROPOSAL",
      `no proposal ${proposalId} on governor ${await governor.getAddress()}`,
      "check the id and the governor address",
    );
  }
  return stateOf(governor, proposalId);
}

/**
 * The state a transaction sent now would see: it lands in the next block, so a proposal whose snapshot is
 * the latest block is already Active, and one whose deadline is the latest block is already decided
 * (counted here as GovernorCountingSimple does: quorum on for + abstain, then for > against).
 */
export async function nextBlockState(
  governor: NoosGovernor,
  proposalId: bigint,
): Promise<{ state: ProposalState; block: bigint; snapshot: bigint; deadline: bigint }> {
  let state = await knownState(governor, proposalId);
  const runner = governor.runner;
  if (!runner) throw new Error("the governor has no runner");
  const [block, snapshot, deadline] = await Promise.all([
    currentBlock(runner),
    governor.proposalSnapshot(proposalId),
    governor.proposalDeadline(proposalId),
  ]);
  if (state === "Pending" && snapshot <= block) state = "Active";
  if (state === "Active" && deadline <= block) {
    const votes = await tally(governor, proposalId);
    const quorum = await governor.quorum(snapshot);
    state = votes.for + votes.abstain >= quorum && votes.for > votes.against ? "Succeeded" : "Defeated";
  }
  return { state, block, snapshot, deadline };
}

export async function tally(governor: NoosGovernor, proposalId: bigint): Promise<VoteTally> {
  const [against, forVotes, abstain] = await governor.proposalVotes(proposalId);
  return { against, for: forVotes, abstain };
}

export async function currentBlock(runner: ContractRunner): Promise<bigint> {
  const provider = runner.provider;
  if (!provider) throw new Error("the signer has no provider");
  return BigInt(await provider.getBlockNumber());
}

export async function currentTime(runner: ContractRunner): Promise<bigint> {
  const provider = runner.provider;
  if (!provider) throw new Error("the signer has no provider");
  const block = await provider.getBlock("latest");
  if (!block) throw new Error("no latest block");
  return BigInt(block.timestamp);
}
