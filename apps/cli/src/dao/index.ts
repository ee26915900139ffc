// What `noos dao` does, for the command (../commands/dao.ts) and the contract tests that drive it
// on the in-process Hardhat network (test/governance). Exported as @noosphere/cli/dao.
export { PROPOSAL_STATES } from "@noosphere/contracts";
export type { ProposalState } from "@noosphere/contracts";
export type { DaoAddresses } from "./addresses";
export { DaoError } from "./errors";
export type { DaoErrorCode } from "./errors";
export { buildCall, usdToMicros } from "./actions";
export type { DaoAction, ProposalCall } from "./actions";
export { describeCalls, parseAction } from "./parse";
export { findProposal, status } from "./proposals";
export type { LookupOptions, ProposalDetails, ProposalStatus, VoteTally } from "./proposals";
export { delegate, execute, propose, queue, vote } from "./lifecycle";
export type { ExecuteResult, ProposeResult, QueueResult, Support, VoteResult } from "./lifecycle";
