import { formatUnits } from "ethers";

/** NOOS has 18 decimals, as ether. */
export const NOOS_DECIMALS = 18;

/** "1.5 NOOS" for 1.5e18 wei; whole amounts lose the ".0". */
export function formatNoos(wei: bigint): string {
  return `${trimNoos(wei)} NOOS`;
}

/** The amount in NOOS as a plain decimal string ("1.5", "100"), for tables and JSON. */
export function trimNoos(wei: bigint): string {
  const text = formatUnits(wei, NOOS_DECIMALS);
  return text.endsWith(".0") ? text.slice(0, -2) : text;
}
