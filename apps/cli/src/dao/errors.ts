/** What `noos dao` tells a member who can fix the mistake, and the hint for each proposal state. */
import type { ProposalState } from "@noosphere/contracts";

export type DaoErrorCode =
  | "BAD_ACTION"
  | "MISSING_ADDRESS"
  | "NO_VOTING_POWER"
  | "WRONG_STATE"
  | "TOO_EARLY"
  | "ALREADY_VOTED"
  | "UNKNOWN_PROPOSAL";

/** A mistake the user can fix; `hint` says how. */
export class DaoError extends Error {
  constructor(
    readonly code: DaoErrorCode,
    message: string,
    readonly hint: string,
  ) {
    super(`${message} — ${hint}`);
    this.name = "DaoError";
  }
}

export function hintFor(state: ProposalState): string {
  switch (state) {
    case "Defeated":
      return "it lost or missed quorum: propose again (with a new description)";
    case "Canceled":
      return "it was cancelled: propose again";
    case "Expired":
      return "it expired: propose again";
    case "Executed":
      return "it has already been executed: nothing to do";
    case "Queued":
      return "it is already queued: execute it once the timelock delay has passed";
    case "Succeeded":
      return "voting is over and it passed: queue it";
    default:
      return "check `noos dao status`";
  }
}
