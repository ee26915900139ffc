/**
 * The write side of a proposal's life on NoosGovernor: propose, vote, queue, execute, and delegate
 * votes. Each checks first what would make the transaction revert and throws a {@link DaoError}
 * saying what to do instead.
 */
import { id, type Signer } from "ethers";
import { IVotes__factory } from "@noosphere/contracts";
import type { ProposalState } from "@noosphere/contracts";
import type { ProposalCall } from "./actions";
import { governorAt, need } from "./addresses";
import type { DaoAddresses } from "./addresses";
import { DaoError, hintFor } from "./errors";
import { describeCalls, usageOf } from "./parse";
import { currentTime, findProposal, nextBlockState, stateOf, tally } from "./proposals";
import type { LookupOptions, VoteTally } from "./proposals";

export type Support = "against" | "for" | "abstain";
const SUPPORT: Record<Support, number> = { against: 0, for: 1, abstain: 2 };

export interface ProposeResult {
  txHash: string;
  proposalId: bigint;
  state: ProposalState;
  /** Votes are counted as of this block. */
  voteStart: bigint;
  /** Voting closes after this block. */
  voteEnd: bigint;
  description: string;
}

export interface VoteResult {
  txHash: string;
  proposalId: bigint;
  support: Support;
  weight: bigint;
  votes: VoteTally;
  state: ProposalState;
}

export interface QueueResult {
  txHash: string;
  proposalId: bigint;
  state: ProposalState;
  /** Unix time from which `execute` may run. */
  eta: bigint;
}

export interface ExecuteResult {
  txHash: string;
  proposalId: bigint;
  state: ProposalState;
}

/** Proposes `calls`; checks the proposer's voting power and that the same proposal does not exist yet. */
export async function propose(
  signer: Signer,
  addresses: DaoAddresses,
  calls: readonly ProposalCall[],
  description: string = describeCalls(calls),
): Promise<ProposeResult> {
  if (calls.length === 0) throw new DaoError("BAD_ACTION", "a proposal needs at least one action", usageOf(undefined));
  const governor = governorAt(addresses, signer);
  const me = await signer.getAddress();
  const [threshold, clock] = await Promise.all([governor.proposalThreshold(), governor.clock()]);
  if (threshold > 0n) {
    const votes = clock > 0n ? await governor.getVotes(me, clock - 1n) : 0n;
    if (votes < threshold) {
      throw new DaoError(
        "NO_VOTING_POWER",
        `${me} has ${votes} votes; proposing needs ${threshold}`,
        "get NOOS delegated to you (or delegate your own to yourself) and wait one block",
      );
    }
  }
  const targets = calls.map((c) => c.target);
  const values = calls.map((c) => c.value);
  const calldatas = calls.map((c) => c.calldata);
  const proposalId = await governor.hashProposal(targets, values, calldatas, id(description));
  if ((await governor.proposalSnapshot(proposalId)) !== 0n) {
    const state = await stateOf(governor, proposalId);
    throw new DaoError(
      "WRONG_STATE",
      `this proposal already exists (id ${proposalId}, ${state})`,
      "change the description to propose the same actions again",
    );
  }
  const tx = await governor.propose(targets, values, calldatas, description);
  await tx.wait();
  const [voteStart, voteEnd, state] = await Promise.all([
    governor.proposalSnapshot(proposalId),
    governor.proposalDeadline(proposalId),
    stateOf(governor, proposalId),
  ]);
  return { txHash: tx.hash, proposalId, state, voteStart, voteEnd, description };
}

/** Casts the signer's vote on an active proposal. */
export async function vote(
  signer: Signer,
  addresses: DaoAddresses,
  proposalId: bigint,
  support: Support,
  reason = "",
): Promise<VoteResult> {
  const governor = governorAt(addresses, signer);
  const me = await signer.getAddress();
  const { state, block, snapshot } = await nextBlockState(governor, proposalId);
  if (state === "Pending") {
    throw new DaoError(
      "TOO_EARLY",
      `voting on ${proposalId} opens after block ${snapshot} (now ${block})`,
      `wait ${snapshot - block} more block(s), then vote`,
    );
  }
  if (state !== "Active") {
    throw new DaoError("WRONG_STATE", `proposal ${proposalId} is ${state}`, hintFor(state));
  }
  if (await governor.hasVoted(proposalId, me)) {
    throw new DaoError("ALREADY_VOTED", `${me} already voted on ${proposalId}`, "each account votes once");
  }
  // A snapshot equal to the latest block is not "past" for getVotes yet, but that block is sealed.
  const weight =
    snapshot < block
      ? await governor.getVotes(me, snapshot)
      : await IVotes__factory.connect(await governor.token(), signer).getVotes(me);
  if (weight === 0n) {
    throw new DaoError(
      "NO_VOTING_POWER",
      `${me} had no votes at block ${snapshot}, the proposal's snapshot`,
      "votes count only if delegated before a proposal's snapshot: delegate now for the next proposal",
    );
  }
  const tx = reason
    ? await governor.castVoteWithReason(proposalId, SUPPORT[support], reason)
    : await governor.castVote(proposalId, SUPPORT[support]);
  await tx.wait();
  return {
    txHash: tx.hash,
    proposalId,
    support,
    weight,
    votes: await tally(governor, proposalId),
    state: await stateOf(governor, proposalId),
  };
}

/** Queues a succeeded proposal in the timelock; returns when it may execute. */
export async function queue(
  signer: Signer,
  addresses: DaoAddresses,
  proposalId: bigint,
  options: LookupOptions = {},
): Promise<QueueResult> {
  const governor = governorAt(addresses, signer);
  const { state, block, deadline } = await nextBlockState(governor, proposalId);
  if (state === "Pending" || state === "Active") {
    throw new DaoError(
      "TOO_EARLY",
      `voting on ${proposalId} runs until block ${deadline} (now ${block})`,
      `wait ${deadline - block} more block(s), then queue`,
    );
  }
  if (state !== "Succeeded") throw new DaoError("WRONG_STATE", `proposal ${proposalId} is ${state}`, hintFor(state));
  const p = await findProposal(signer, addresses, proposalId, options);
  const tx = await governor.queue(p.targets, p.values, p.calldatas, id(p.description));
  await tx.wait();
  return {
    txHash: tx.hash,
    proposalId,
    state: await stateOf(governor, proposalId),
    eta: await governor.proposalEta(proposalId),
  };
}

/** Executes a queued proposal once the timelock delay has passed. */
export async function execute(
  signer: Signer,
  addresses: DaoAddresses,
  proposalId: bigint,
  options: LookupOptions = {},
): Promise<ExecuteResult> {
  const governor = governorAt(addresses, signer);
  const { state } = await nextBlockState(governor, proposalId);
  if (state === "Succeeded") {
    throw new DaoError("WRONG_STATE", `proposal ${proposalId} is Succeeded but not queued`, "queue it first");
  }
  if (state !== "Queued") throw new DaoError("WRONG_STATE", `proposal ${proposalId} is ${state}`, hintFor(state));
  const [eta, now] = await Promise.all([governor.proposalEta(proposalId), currentTime(signer)]);
  // The transaction lands in a later block, at least one second on.
  if (now + 1n < eta) {
    throw new DaoError(
      "TOO_EARLY",
      `proposal ${proposalId} may execute from ${new Date(Number(eta) * 1000).toISOString()}`,
      `wait ${eta - now} more second(s) for the timelock delay, then execute`,
    );
  }
  const p = await findProposal(signer, addresses, proposalId, options);
  const tx = await governor.execute(p.targets, p.values, p.calldatas, id(p.description));
  await tx.wait();
  return { txHash: tx.hash, proposalId, state: await stateOf(governor, proposalId) };
}

/** Delegates the signer's NOOS votes to `delegatee` (itself by default); returns its votes afterwards. */
export async function delegate(
  signer: Signer,
  addresses: DaoAddresses,
  delegatee?: string,
): Promise<{ txHash: string; delegatee: string; votes: bigint }> {
  const token = IVotes__factory.connect(need(addresses, "token"), signer);
  const to = delegatee ?? (await signer.getAddress());
  const tx = await token.delegate(to);
  await tx.wait();
  return { txHash: tx.hash, delegatee: to, votes: await token.getVotes(to) };
}
