/**
 * A problem the operator can fix before the miner can start (wrong model, subnet, key, funds);
 * its message says what to do. The CLI prints it without a stack trace.
 */
export class MinerSetupError extends Error {
  override readonly name = "MinerSetupError";
}
