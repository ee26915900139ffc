/**
 * DAO actions for `noos dao ...`: build proposals from named actions, then propose, vote, queue, execute
 * and read their status on NoosGovernor. No global state: every function takes the contract addresses.
 * Errors a user can fix are thrown as {@link DaoError} with a code and a hint saying what to do.
 */
import {
  PROPOSAL_STATES,
  Billing__factory,
  IEmission__factory,
  IVotes__factory,
  NoosGovernor__factory,
  type NoosGovernor,
} from "@noosphere/contracts";
import type { ProposalState } from "@noosphere/contracts";
import { Interface, id, isAddress, isHexString, parseUnits, type ContractRunner, type Signer } from "ethers";
import { TIERS, type TierName } from "@noosphere/protocol";

/** Where the contracts are. Only `governor` is always needed; the others for the actions that target them. */
export interface DaoAddresses {
  governor: string;
  billing?: string;
  emission?: string;
  subnets?: string;
  token?: string;
}

/** A named parameter change (or raw call) a proposal can carry. */
export type DaoAction =
  | { kind: "set-price"; netuid: number; tier: TierName | number; usd: string }
  | { kind: "set-limits"; netuid: number; tier: TierName | number; maxInput: number; maxOutput: number }
  | { kind: "set-rate"; usdPerNoos: string }
  | { kind: "set-emission-share"; netuid: number; bps: number }
  | { kind: "allow-model"; netuid: number; model: string; allowed: boolean }
  | { kind: "raw"; target: string; calldata: string; value?: bigint };

/** One call of a proposal, with a human summary. */
export interface ProposalCall {
  target: string;
  value: bigint;
  calldata: string;
  summary: string;
}

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

export { PROPOSAL_STATES };
export type { ProposalState };

export type Support = "against" | "for" | "abstain";
const SUPPORT: Record<Support, number> = { against: 0, for: 1, abstain: 2 };

/** The SubnetRegistry call `allow-model` makes (ISubnets has only the read side). */
const SUBNETS_ADMIN = new Interface(["function setModelAllowed(uint16 netuid, bytes32 modelHash, bool allowed)"]);

// ---------------------------------------------------------------------------------------------
// Actions

/** Converts a decimal USD amount ("0.00075") to USD micro-units (750n); at most 6 decimals. */
export function usdToMicros(usd: string): bigint {
  if (!/^\d+(\.\d+)?$/.test(usd.trim())) {
    throw new DaoError("BAD_ACTION", `"${usd}" is not a USD amount`, "write it as a plain decimal, e.g. 0.00075");
  }
  const [, decimals = ""] = usd.trim().split(".");
  if (decimals.length > 6) {
    throw new DaoError("BAD_ACTION", `"${usd}" has more than 6 decimals`, "prices are in USD micro-units (1e-6 USD)");
  }
  const micros = parseUnits(usd.trim(), 6);
  if (micros >= 2n ** 64n)
    throw new DaoError("BAD_ACTION", `"${usd}" is too large`, "use at most 18,446,744,073,709 USD");
  return micros;
}

/** Turns `action` into the call a proposal makes. */
export function buildCall(action: DaoAction, addresses: DaoAddresses): ProposalCall {
  switch (action.kind) {
    case "set-price": {
      const tier = tierOf(action.tier);
      const micros = usdToMicros(action.usd);
      if (micros === 0n) throw new DaoError("BAD_ACTION", "a zero price un-prices the tier", "give a price above 0");
      return {
        target: need(addresses, "billing"),
        value: 0n,
        calldata: Billing__factory.createInterface().encodeFunctionData("setPrice", [u16(action.netuid), tier, micros]),
        summary: `Billing.setPrice(netuid ${action.netuid}, tier ${tierName(tier)}, $${action.usd} per request)`,
      };
    }
    case "set-limits": {
      const tier = tierOf(action.tier);
      for (const n of [action.maxInput, action.maxOutput]) {
        if (!Number.isInteger(n) || n <= 0 || n >= 2 ** 32) {
          throw new DaoError("BAD_ACTION", `token limit ${n} is out of range`, "give whole numbers from 1 to 2^32-1");
        }
      }
      return {
        target: need(addresses, "billing"),
        value: 0n,
        calldata: Billing__factory.createInterface().encodeFunctionData("setLimits", [
          u16(action.netuid),
          tier,
          action.maxInput,
          action.maxOutput,
        ]),
        summary: `Billing.setLimits(netuid ${action.netuid}, tier ${tierName(tier)}, ${action.maxInput} in, ${action.maxOutput} out)`,
      };
    }
    case "set-rate": {
      const micros = usdToMicros(action.usdPerNoos);
      if (micros === 0n) throw new DaoError("BAD_ACTION", "the NOOS/USD rate cannot be 0", "give a rate above 0");
      return {
        target: need(addresses, "billing"),
        value: 0n,
        calldata: Billing__factory.createInterface().encodeFunctionData("setRate", [micros]),
        summary: `Billing.setRate($${action.usdPerNoos} per NOOS)`,
      };
    }
    case "set-emission-share": {
      if (!Number.isInteger(action.bps) || action.bps < 0 || action.bps > 10_000) {
        throw new DaoError("BAD_ACTION", `emission share ${action.bps} bps is out of range`, "give 0 to 10000 bps");
      }
      return {
        target: need(addresses, "emission"),
        value: 0n,
        calldata: IEmission__factory.createInterface().encodeFunctionData("setEmissionShare", [
          u16(action.netuid),
          action.bps,
        ]),
        summary: `Emission.setEmissionShare(netuid ${action.netuid}, ${action.bps} bps)`,
      };
    }
    case "allow-model": {
      if (!isHexString(action.model, 32)) {
        throw new DaoError("BAD_ACTION", `model "${action.model}" is not a sha256`, "give 0x and 64 hex digits");
      }
      return {
        target: need(addresses, "subnets"),
        value: 0n,
        calldata: SUBNETS_ADMIN.encodeFunctionData("setModelAllowed", [
          u16(action.netuid),
          action.model,
          action.allowed,
        ]),
        summary: `SubnetRegistry.setModelAllowed(netuid ${action.netuid}, ${action.model}, ${action.allowed})`,
      };
    }
    case "raw": {
      if (!isAddress(action.target)) {
        throw new DaoError("BAD_ACTION", `target "${action.target}" is not an address`, "give a 0x address");
      }
      if (!isHexString(action.calldata)) {
        throw new DaoError("BAD_ACTION", "calldata is not hex", "give 0x-prefixed ABI-encoded calldata");
      }
      return {
        target: action.target,
        value: action.value ?? 0n,
        calldata: action.calldata,
        summary: `call ${action.target} with ${action.calldata.slice(0, 10)}…`,
      };
    }
  }
}

/**
 * Parses a command line such as `set-price --netuid 1 --tier standard --usd 0.00075`,
 * `set-rate --usd-per-noos 0.25`, `set-emission-share --netuid 1 --bps 2500`,
 * `allow-model --netuid 1 --model 0x… [--allowed false]`, `set-limits --netuid 1 --tier batch
 * --max-input 200 --max-output 1000` or `raw --target 0x… --calldata 0x… [--value 0]`.
 */
export function parseAction(argv: readonly string[]): DaoAction {
  const [kind, ...rest] = argv;
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const key = rest[i]!;
    const value = rest[i + 1];
    if (!key.startsWith("--") || value === undefined || value.startsWith("--")) {
      throw new DaoError("BAD_ACTION", `cannot read "${key}"`, "write flags as --name value");
    }
    flags.set(key.slice(2), value);
    i++;
  }
  const str = (name: string): string => {
    const v = flags.get(name);
    if (v === undefined) throw new DaoError("BAD_ACTION", `${kind} needs --${name}`, usageOf(kind));
    return v;
  };
  const int = (name: string): number => {
    const v = str(name);
    if (!/^\d+$/.test(v))
      throw new DaoError("BAD_ACTION", `--${name} must be a whole number, not "${v}"`, usageOf(kind));
    return Number(v);
  };
  switch (kind) {
    case "set-price":
      return { kind, netuid: int("netuid"), tier: tierArg(str("tier")), usd: str("usd") };
    case "set-limits":
      return {
        kind,
        netuid: int("netuid"),
        tier: tierArg(str("tier")),
        maxInput: int("max-input"),
        maxOutput: int("max-output"),
      };
    case "set-rate":
      return { kind, usdPerNoos: str("usd-per-noos") };
    case "set-emission-share":
      return { kind, netuid: int("netuid"), bps: int("bps") };
    case "allow-model": {
      const allowed = flags.get("allowed") ?? "true";
      if (allowed !== "true" && allowed !== "false") {
        throw new DaoError("BAD_ACTION", `--allowed must be true or false, not "${allowed}"`, usageOf(kind));
      }
      return { kind, netuid: int("netuid"), model: str("model"), allowed: allowed === "true" };
    }
    case "raw": {
      const value = flags.get("value") ?? "0";
      if (!/^\d+$/.test(value)) throw new DaoError("BAD_ACTION", `--value must be wei, not "${value}"`, usageOf(kind));
      return { kind, target: str("target"), calldata: str("calldata"), value: BigInt(value) };
    }
    default:
      throw new DaoError(
        "BAD_ACTION",
        `unknown action "${kind ?? ""}"`,
        `use one of: ${Object.keys(USAGE).join(", ")}`,
      );
  }
}

const USAGE: Record<string, string> = {
  "set-price": "set-price --netuid 1 --tier standard|batch --usd 0.00075",
  "set-limits": "set-limits --netuid 1 --tier standard|batch --max-input 200 --max-output 1000",
  "set-rate": "set-rate --usd-per-noos 0.25",
  "set-emission-share": "set-emission-share --netuid 1 --bps 2500",
  "allow-model": "allow-model --netuid 1 --model 0x<sha256> [--allowed true|false]",
  raw: "raw --target 0x<address> --calldata 0x<data> [--value <wei>]",
};

function usageOf(kind: string | undefined): string {
  return `usage: ${USAGE[kind ?? ""] ?? Object.values(USAGE).join(" | ")}`;
}

/** A default proposal description listing the calls. */
export function describeCalls(calls: readonly ProposalCall[], title = "Parameter change"): string {
  return [`# ${title}`, "", ...calls.map((c) => `- ${c.summary}`)].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

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

export interface VoteTally {
  against: bigint;
  for: bigint;
  abstain: bigint;
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

// ---------------------------------------------------------------------------------------------
// Helpers

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

function governorAt(addresses: DaoAddresses, runner: ContractRunner): NoosGovernor {
  return NoosGovernor__factory.connect(need(addresses, "governor"), runner);
}

function need(addresses: DaoAddresses, key: keyof DaoAddresses): string {
  const address = addresses[key];
  if (!address) {
    throw new DaoError("MISSING_ADDRESS", `no ${key} address`, `pass the ${key} contract's address (deployments file)`);
  }
  return address;
}

function tierOf(tier: TierName | number): number {
  if (typeof tier === "number") {
    if (tier === 0 || tier === 1) return tier;
    throw new DaoError("BAD_ACTION", `tier ${tier} does not exist`, "use standard (0) or batch (1)");
  }
  return TIERS[tier];
}

function tierArg(value: string): TierName | number {
  if (value === "standard" || value === "batch") return value;
  if (value === "0" || value === "1") return Number(value);
  throw new DaoError("BAD_ACTION", `tier "${value}" does not exist`, "use standard or batch");
}

function tierName(tier: number): string {
  return tier === TIERS.standard ? "standard" : "batch";
}

function u16(netuid: number): number {
  if (!Number.isInteger(netuid) || netuid < 0 || netuid > 65_535) {
    throw new DaoError("BAD_ACTION", `netuid ${netuid} is out of range`, "give 0 to 65535");
  }
  return netuid;
}

async function stateOf(governor: NoosGovernor, proposalId: bigint): Promise<ProposalState> {
  return PROPOSAL_STATES[Number(await governor.state(proposalId))]!;
}

async function knownState(governor: NoosGovernor, proposalId: bigint): Promise<ProposalState> {
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
async function nextBlockState(
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

async function tally(governor: NoosGovernor, proposalId: bigint): Promise<VoteTally> {
  const [against, forVotes, abstain] = await governor.proposalVotes(proposalId);
  return { against, for: forVotes, abstain };
}

function hintFor(state: ProposalState): string {
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

async function currentBlock(runner: ContractRunner): Promise<bigint> {
  const provider = runner.provider;
  if (!provider) throw new Error("the signer has no provider");
  return BigInt(await provider.getBlockNumber());
}

async function currentTime(runner: ContractRunner): Promise<bigint> {
  const provider = runner.provider;
  if (!provider) throw new Error("the signer has no provider");
  const block = await provider.getBlock("latest");
  if (!block) throw new Error("no latest block");
  return BigInt(block.timestamp);
}
