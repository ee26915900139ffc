import { ChainConnectionError, ConfigError, KeystoreError } from "@noosphere/node-kit";
import { DeploymentNotFoundError } from "@noosphere/contracts";

/** An error the user can fix; its message says what to do. Printed without a stack trace. */
export class UserError extends Error {}

/** A failure that may pass if tried again (network, RPC hiccup). */
export class RetryableError extends Error {}

export function describeError(err: unknown): { message: string; exitCode: number } {
  const userFixable = [UserError, KeystoreError, ConfigError, ChainConnectionError, DeploymentNotFoundError];
  if (userFixable.some((cls) => err instanceof cls)) return { message: (err as Error).message, exitCode: 2 };
  if (err instanceof RetryableError) return { message: `${err.message} (try again)`, exitCode: 75 };
  const e = err as { shortMessage?: string; message?: string; code?: string };
  // ethers errors carry a short, readable message; custom errors decode to their names.
  return { message: e.shortMessage ?? e.message ?? String(err), exitCode: 1 };
}
