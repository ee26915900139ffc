import { id, Interface, ZeroHash } from "ethers";
import type { ErrorDescription, Result } from "ethers";
import { factories } from "@noosphere/contracts";
import { formatNoos } from "./format";

/** A revert decoded to its custom error, with a hint that says what to do about it. */
export interface DecodedRevert {
  /** Error name, e.g. "StakingBelowMinDelegation" ("Error" / "Panic" for the built-in ones). */
  name: string;
  /** Named arguments, as the ABI declares them. */
  args: Record<string, unknown>;
  /** "StakingBelowMinDelegation(amount: 5, min: 10)". */
  signature: string;
  /** What the user can do, if known. */
  hint?: string;
}

type Hint = (a: Result) => string;

const noos = (x: unknown): string => formatNoos(BigInt(x as bigint));

/** Roles by their keccak256 id, to name the role an AccessControl revert wants. */
const ROLE_NAMES = new Map<string, string>(
  [
    "PARAMS_ROLE",
    "MINTER_ROLE",
    "REWARDER_ROLE",
    "EPOCH_ROLE",
    "DISTRIBUTOR_ROLE",
    "PROPOSER_ROLE",
    "EXECUTOR_ROLE",
    "CANCELLER_ROLE",
  ].map((name) => [id(name), name]),
);
ROLE_NAMES.set(ZeroHash, "DEFAULT_ADMIN_ROLE");

/** Hints by error name; arguments come as the contract declares them. */
const HINTS: Record<string, Hint> = {
  // Token (OpenZeppelin ERC-20 errors)
  ERC20InsufficientBalance: (a) =>
    `${a.getValue("sender")} holds ${noos(a.getValue("balance"))}, ${noos(a.getValue("needed"))} needed: ` +
    `get more NOOS first (see 'noos status --key ...')`,
  ERC20InsufficientAllowance: (a) =>
    `${a.getValue("spender")} may spend ${noos(a.getValue("allowance"))} of yours, ${noos(a.getValue("needed"))} needed: ` +
    `the price moved between the approval and the transaction; run the command again`,
  ERC20ExceededCap: (a) => `minting would raise the supply to ${noos(a.getValue("increasedSupply"))}, past the cap`,
  AccessControlUnauthorizedAccount: (a) => {
    const role = ROLE_NAMES.get(String(a.getValue("neededRole"))) ?? String(a.getValue("neededRole"));
    return `${a.getValue("account")} lacks ${role}; after genesis only the DAO timelock holds parameter roles (use 'noos dao propose')`;
  },
  // Staking
  StakingZeroAmount: () => "the amount (or the shares) must be more than 0",
  StakingBelowMinDelegation: (a) =>
    `delegate at least ${noos(a.getValue("min"))} (the minimum delegation; got ${noos(a.getValue("amount"))}). ` +
    `An unstake must leave at least that much on the hotkey, or remove everything with --all`,
  StakingZeroShares: (a) => `${noos(a.getValue("amount"))} buys no share of this pool: delegate more`,
  StakingSlippage: (a) =>
    `the pool's price moved: the result would be ${a.getValue("out")}, below your minimum ${a.getValue("minOut")}; ` +
    `check 'noos stake show --hotkey ...' and retry or loosen the minimum`,
  StakingInsufficientShares: (a) =>
    `you hold ${a.getValue("shares")} shares, ${a.getValue("needed")} needed: see 'noos stake show'`,
  StakingNothingToWithdraw: () => "no unstake request is ready yet: 'noos stake show' lists when each one is",
  StakingNothingToClaim: () => "nothing to claim yet: rewards are credited at each subnet epoch",
  StakingUnknownHotkey: (a) =>
    `hotkey ${a.getValue("hotkey")} is not registered with Staking: its owner registers it with 'noos register'`,
  StakingNotHotkeyOwner: (a) =>
    `only the owner (coldkey) of ${a.getValue("hotkey")} may do this; ${a.getValue("caller")} is not it: use the owner's --key`,
  StakingHotkeyAlreadyRegistered: (a) => `hotkey ${a.getValue("hotkey")} already belongs to ${a.getValue("owner")}`,
  StakingTakeTooHigh: (a) => `the take may be at most ${a.getValue("max")} bps (${Number(a.getValue("max")) / 100}%)`,
  StakingTakeAboveCurrent: (a) =>
    `take ${a.getValue("take")} is above the current ${a.getValue("current")}: that is a raise`,
  StakingTakeNotHigher: (a) => `take ${a.getValue("take")} is not above the current ${a.getValue("current")}`,
  StakingTakeRaiseTooSoon: (a) =>
    `the take was raised recently; raise it again from block ${a.getValue("nextRaiseBlock")}`,
  StakingZeroAddress: () => "an address argument was the zero address",
  // Subnets
  SubnetsNotFound: (a) => `there is no subnet ${a.getValue("netuid")}: see 'noos subnet list'`,
  SubnetsNotRegistered: (a) =>
    `${a.getValue("hotkey")} has no UID on subnet ${a.getValue("netuid")}: register it with 'noos register --netuid ${a.getValue("netuid")}'`,
  SubnetsAlreadyRegistered: (a) =>
    `${a.getValue("hotkey")} is already uid ${a.getValue("uid")} on subnet ${a.getValue("netuid")}`,
  SubnetsNotHotkeyOwner: (a) =>
    `${a.getValue("caller")} is neither hotkey ${a.getValue("hotkey")} nor its owner in Staking: pass the owner's --key and --hotkey <keystore>`,
  SubnetsBurnExceedsMax: (a) =>
    `registration costs ${noos(a.getValue("price"))} now, above your limit of ${noos(a.getValue("maxBurn"))}: ` +
    `raise --max-burn or wait for the price to decay`,
  SubnetsAllImmune: (a) =>
    `subnet ${a.getValue("netuid")} is full and every UID is still immune to pruning: try again later`,
  SubnetsLimitReached: () => "no more subnets can be created",
  SubnetsEmptyTaskId: () => "--task must not be empty",
  SubnetsTaskIdTooLong: (a) => `--task may be at most ${a.getValue("max")} bytes (got ${a.getValue("length")})`,
  SubnetsInvalidTempo: () => "--tempo must be at least 1 block",
  SubnetsInvalidMaxUids: () => "--max-uids must be between 1 and 256",
  SubnetsInvalidMaxValidators: (a) =>
    `--max-validators must be between 1 and 64 and at most --max-uids (${a.getValue("maxUids")})`,
  SubnetsInvalidBurnHalfLife: () => "--burn-half-life must be at least 1 block",
  SubnetsModelNotAllowed: (a) =>
    `model ${a.getValue("modelHash")} is not on subnet ${a.getValue("netuid")}'s allow-list: serve an allowed model`,
  SubnetsInvalidPort: () => "the axon port must be 1-65535",
  SubnetsInvalidProtocol: () => 'the axon protocol must be "http" or "https"',
  SubnetsEmptyHost: () => "the axon host must not be empty",
  SubnetsHostTooLong: (a) => `the axon host may be at most ${a.getValue("max")} bytes (got ${a.getValue("length")})`,
  SubnetsUidOutOfRange: (a) =>
    `uid ${a.getValue("uid")} does not exist on subnet ${a.getValue("netuid")} (it has ${a.getValue("count")} UIDs)`,
  SubnetsMaxUidsBelowNeuronCount: (a) =>
    `subnet ${a.getValue("netuid")} already has ${a.getValue("neuronCount")} neurons: maxUids cannot go below that`,
  SubnetsLengthMismatch: () => "the uid and amount lists differ in length",
  SubnetsEmissionTooLarge: (a) => `emission ${a.getValue("amount")} does not fit the record`,
  SubnetsZeroAddress: () => "an address argument was the zero address",
  StakingLengthMismatch: () => "the hotkey, incentive and dividend lists differ in length",
  // Emission and token
  EmissionSharesExceed: (a) => `emission shares would sum to ${a.getValue("total")} bps, more than 10,000`,
  EmissionZeroAddress: () => "an address argument was the zero address",
  NoosTokenZeroAdmin: () => "the token's admin must not be the zero address",
};

const PANICS: Record<number, string> = {
  0x01: "assertion failed",
  0x11: "arithmetic overflow or underflow",
  0x12: "division by zero",
  0x21: "invalid enum value",
  0x31: "pop from an empty array",
  0x32: "array index out of bounds",
  0x41: "out of memory",
};

/** Interfaces of every compiled contract, by 4-byte error selector (built on first use). */
let bySelector: Map<string, Interface> | undefined;

function interfacesBySelector(): Map<string, Interface> {
  if (bySelector) return bySelector;
  const map = new Map<string, Interface>();
  // Typechain's `factories` tree: one class with a static `abi` per contract, nested by folder.
  const visit = (node: unknown, depth: number): void => {
    if (!node || (typeof node !== "object" && typeof node !== "function") || depth > 8) return;
    const abi = (node as { abi?: unknown }).abi;
    if (typeof node === "function" && Array.isArray(abi)) {
      const iface = new Interface(abi as never);
      iface.forEachError((fragment) => {
        if (!map.has(fragment.selector)) map.set(fragment.selector, iface);
      });
      return;
    }
    for (const key of Object.keys(node)) visit((node as Record<string, unknown>)[key], depth + 1);
  };
  visit(factories, 0);
  bySelector = map;
  return map;
}

/** The names of every custom error the compiled contracts declare (for tests of the hint table). */
export function knownErrorNames(): Set<string> {
  const names = new Set<string>();
  for (const iface of interfacesBySelector().values()) iface.forEachError((f) => names.add(f.name));
  return names;
}

/** The error names that have a hint. */
export function hintedErrorNames(): string[] {
  return Object.keys(HINTS);
}

/** Decodes raw revert data (selector + ABI-encoded arguments) with every contract's interface. */
export function decodeRevertData(data: string): DecodedRevert | undefined {
  if (!/^0x[0-9a-fA-F]{8}/.test(data)) return undefined;
  const selector = data.slice(0, 10).toLowerCase();
  const iface = interfacesBySelector().get(selector) ?? BUILTIN;
  let parsed: ErrorDescription | null;
  try {
    parsed = iface.parseError(data);
  } catch {
    return undefined;
  }
  if (!parsed) return undefined;
  return describe(parsed);
}

/** Interface with no fragments: parseError still knows Error(string) and Panic(uint256). */
const BUILTIN = new Interface([]);

function describe(parsed: ErrorDescription): DecodedRevert {
  const args: Record<string, unknown> = {};
  const parts: string[] = [];
  parsed.fragment.inputs.forEach((input, i) => {
    const value: unknown = parsed.args[i];
    const key = input.name || `arg${i}`;
    args[key] = value;
    parts.push(`${key}: ${String(value)}`);
  });
  const signature = `${parsed.name}(${parts.join(", ")})`;
  if (parsed.name === "Error") return { name: "Error", args, signature, hint: String(parsed.args[0]) };
  if (parsed.name === "Panic") {
    const code = Number(parsed.args[0]);
    return { name: "Panic", args, signature, hint: PANICS[code] ?? `panic code ${code}` };
  }
  const hint = HINTS[parsed.name];
  let text: string | undefined;
  try {
    text = hint?.(parsed.args);
  } catch {
    text = undefined; // a hint that cannot read its arguments: show the signature alone
  }
  return { name: parsed.name, args, signature, hint: text };
}

/**
 * Finds revert data in an error thrown by ethers (a call, gas estimate or mined transaction) or
 * by the RPC node, at whatever depth the provider put it, and decodes it.
 */
export function decodeRevert(err: unknown): DecodedRevert | undefined {
  const data = findRevertData(err, 0, new Set());
  return data === undefined ? undefined : decodeRevertData(data);
}

function findRevertData(node: unknown, depth: number, seen: Set<unknown>): string | undefined {
  if (!node || typeof node !== "object" || depth > 6 || seen.has(node)) return undefined;
  seen.add(node);
  const record = node as Record<string, unknown>;
  const data = record.data;
  if (typeof data === "string" && /^0x[0-9a-fA-F]{8}([0-9a-fA-F]{64})*$/.test(data)) return data;
  for (const key of ["data", "error", "info", "cause", "value"]) {
    const found = findRevertData(record[key], depth + 1, seen);
    if (found) return found;
  }
  return undefined;
}

/** "StakingBelowMinDelegation(amount: 5, min: 10): delegate at least ..." */
export function formatRevert(revert: DecodedRevert): string {
  if (revert.name === "Error") return `refused by the contract: ${revert.hint}`;
  if (revert.name === "Panic") return `the contract panicked: ${revert.hint}`;
  const text = `refused by the contract: ${revert.signature}`;
  return revert.hint ? `${text}: ${revert.hint}` : text;
}
