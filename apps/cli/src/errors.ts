import { ChainConnectionError, ConfigError, KeystoreError } from "@noosphere/node-kit";
import { DeploymentNotFoundError } from "@noosphere/contracts";
import { decodeRevert, formatRevert } from "./chain/revert";

/** An error the user can fix; its message says what to do. Printed without a stack trace. */
export class UserError extends Error {}

/** A failure that may pass if tried again (network, RPC hiccup). */
export class RetryableError extends Error {}

export function describeError(err: unknown): { message: string; exitCode: number } {
  const userFixable = [UserError, KeystoreError, ConfigError, ChainConnectionError, DeploymentNotFoundError];
  if (userFixable.some((cls) => err instanceof cls)) return { message: (err as Error).message, exitCode: 2 };
  if (err instanceof RetryableError) return { message: `${err.message} (try again)`, exitCode: 75 };
  // A contract refused: name the custom error and say what to do (the user changes the request).
  const revert = decodeRevert(err);
  if (revert) return { message: formatRevert(revert), exitCode: 2 };
  const e = err as { shortMessage?: string; message?: string; code?: string; transaction?: { from?: string } };
  if (e.code === "INSUFFICIENT_FUNDS") {
    const who = e.transaction?.from ?? "the signing account";
    return { message: `${who} has too little ETH to pay for gas: send it some`, exitCode: 2 };
  }
  if (e.code === "NETWORK_ERROR" || e.code === "TIMEOUT" || e.code === "SERVER_ERROR") {
    return { message: `${e.shortMessage ?? e.message} (try again)`, exitCode: 75 };
  }
  // ethers errors carry a short, readable message; custom errors decode to their names.
  return { message: e.shortMessage ?? e.message ?? String(err), exitCode: 1 };
}
