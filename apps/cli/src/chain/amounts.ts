import { getAddress, isAddress, parseUnits } from "ethers";
import { UserError } from "../errors";
import { NOOS_DECIMALS } from "./format";

export interface ParseNoosOptions {
  /** Accept 0 (default: an amount must be positive). */
  allowZero?: boolean;
}

const DECIMAL = /^(\d+(\.\d*)?|\.\d+)$/;

/**
 * Parses a NOOS amount written with decimals ("1.5", "0.1", "100") into wei. Anything else
 * (negative, garbage, more than 18 decimals, zero unless allowed) is a UserError naming the flag.
 */
export function parseNoos(value: string, flag: string, opts: ParseNoosOptions = {}): bigint {
  const text = value.trim();
  if (text.startsWith("-")) throw new UserError(`${flag} must not be negative, got "${value}"`);
  if (!DECIMAL.test(text)) throw new UserError(`${flag} must be a NOOS amount such as 1.5, got "${value}"`);
  const decimals = text.split(".")[1] ?? "";
  if (decimals.length > NOOS_DECIMALS) {
    throw new UserError(`${flag} has more than ${NOOS_DECIMALS} decimals: "${value}"`);
  }
  const wei = parseUnits(text.endsWith(".") ? text.slice(0, -1) : text, NOOS_DECIMALS);
  if (wei === 0n && !opts.allowZero) throw new UserError(`${flag} must be more than 0 NOOS`);
  return wei;
}

export interface ParseIntegerOptions {
  min?: bigint;
  max?: bigint;
}

/** Parses a whole number flag (decimal digits only) into a bigint within [min, max]. */
export function parseInteger(value: string, flag: string, { min = 0n, max }: ParseIntegerOptions = {}): bigint {
  const text = value.trim();
  if (!/^-?\d+$/.test(text)) throw new UserError(`${flag} must be a whole number, got "${value}"`);
  const n = BigInt(text);
  if (n < min) throw new UserError(`${flag} must be at least ${min}, got ${n}`);
  if (max !== undefined && n > max) throw new UserError(`${flag} must be at most ${max}, got ${n}`);
  return n;
}

/** parseInteger for values that fit a JS number (netuids, blocks, counts). */
export function parseSmallInteger(value: string, flag: string, opts: ParseIntegerOptions = {}): number {
  return Number(parseInteger(value, flag, { max: BigInt(Number.MAX_SAFE_INTEGER), ...opts }));
}

/** A checksummed address, or a UserError naming the flag. */
export function parseAddress(value: string, flag: string): string {
  if (!isAddress(value)) throw new UserError(`${flag} must be a 0x address (40 hex digits), got "${value}"`);
  return getAddress(value);
}
