import type { BaseContract, ContractTransactionReceipt, ContractTransactionResponse, Result } from "ethers";
import { print, progress } from "./output";
import { decodeRevert } from "./revert";

export interface SendOptions {
  /** Blocks to wait for (default 1: mined). */
  confirmations?: number;
}

/**
 * Sends a transaction, shows progress on stderr while it confirms, and prints `what` with its
 * hash and block. Reverts (at estimation or once mined) propagate for the revert decoder.
 */
export async function send(
  what: string,
  submit: () => Promise<ContractTransactionResponse>,
  { confirmations = 1 }: SendOptions = {},
): Promise<ContractTransactionReceipt> {
  const tx = await submit();
  const receipt = await waitWithProgress(what, tx, confirmations);
  print(`${what}: tx ${tx.hash} (block ${receipt.blockNumber})`);
  return receipt;
}

async function waitWithProgress(
  what: string,
  tx: ContractTransactionResponse,
  confirmations: number,
): Promise<ContractTransactionReceipt> {
  const started = Date.now();
  const tty = process.stderr.isTTY === true;
  const line = () => `${what}: waiting for ${tx.hash} (${Math.round((Date.now() - started) / 1000)}s)`;
  // Automining chains answer at once; only say something when the wait is noticeable.
  const first = setTimeout(() => {
    if (!tty) progress(line());
  }, 1_000);
  const ticker = tty ? setInterval(() => process.stderr.write(`\r${line()}`), 1_000) : undefined;
  try {
    const receipt = await tx.wait(confirmations);
    if (!receipt) throw new Error(`transaction ${tx.hash} was dropped`);
    return receipt;
  } finally {
    clearTimeout(first);
    if (ticker) {
      clearInterval(ticker);
      if (Date.now() - started >= 1_000) process.stderr.write("\n");
    }
  }
}

/**
 * Runs a transaction as an eth_call first, so that a refusal surfaces (decoded) before any
 * approval is spent on it. `tolerate` lists errors expected at this point, e.g. the missing
 * allowance that the approval about to be sent will provide.
 */
export async function preflight(call: () => Promise<unknown>, tolerate: string[] = ["ERC20InsufficientAllowance"]) {
  try {
    await call();
  } catch (err) {
    const revert = decodeRevert(err);
    if (revert && tolerate.includes(revert.name)) return;
    throw err;
  }
}

/** The arguments of the first `name` event that `contract` emitted in `receipt`. */
export function findEvent(receipt: ContractTransactionReceipt, contract: BaseContract, name: string): Result {
  const address = String(contract.target).toLowerCase();
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address) continue;
    const parsed = contract.interface.parseLog({ topics: [...log.topics], data: log.data });
    if (parsed?.name === name) return parsed.args;
  }
  throw new Error(`no ${name} event in transaction ${receipt.hash}`);
}
