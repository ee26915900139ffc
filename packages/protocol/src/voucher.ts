import type { Signer, TypedDataDomain } from "ethers";
import { recoverTypedDataSigner, signTypedData } from "./crypto";

/** Billing tiers: `standard` is served on a GPU, `batch` on a CPU. */
export const TIERS = { standard: 0, batch: 1 } as const;
export type TierName = keyof typeof TIERS;

/**
 * Mirrors contracts/billing/BillingVouchers.sol.
 * A cumulative payment promise from a client to one miner: the total the client owes that miner
 * on (netuid, tier) so far. The miner redeems only the latest one; the Billing contract burns the
 * difference from the client's escrow. Signed by the client or a signer it authorised.
 */
export interface Voucher {
  client: string;
  miner: string;
  netuid: number;
  tier: number;
  /**
   * sha256 of the ONNX model the miner's axon declares (ZeroHash for none: no royalty). The client
   * signs it so a miner cannot name another model to collect its royalty.
   */
  model: string;
  cumulativeAmount: bigint;
}

export const voucherTypes = {
  Voucher: [
    { name: "client", type: "address" },
    { name: "miner", type: "address" },
    { name: "netuid", type: "uint16" },
    { name: "tier", type: "uint8" },
    { name: "model", type: "bytes32" },
    { name: "cumulativeAmount", type: "uint256" },
  ],
};

/** The Billing contract's EIP-712 domain: a voucher is useless on any other chain or contract. */
export function voucherDomain(chainId: bigint | number, billing: string): TypedDataDomain {
  return { name: "NoosphereBilling", version: "1", chainId, verifyingContract: billing };
}

export function signVoucher(
  signer: Pick<Signer, "signTypedData">,
  domain: TypedDataDomain,
  voucher: Voucher,
): Promise<string> {
  return signTypedData(signer, domain, voucherTypes, { ...voucher });
}

export function recoverVoucherSigner(domain: TypedDataDomain, voucher: Voucher, signature: string): string {
  return recoverTypedDataSigner(domain, voucherTypes, { ...voucher }, signature);
}

/** Voucher as sent in the x-noos-voucher header: JSON with the amount as a decimal string. */
export function encodeVoucherHeader(voucher: Voucher, signature: string): string {
  return Buffer.from(
    JSON.stringify({ ...voucher, cumulativeAmount: voucher.cumulativeAmount.toString(), signature }),
  ).toString("base64url");
}

export function decodeVoucherHeader(header: string): { voucher: Voucher; signature: string } {
  const raw = JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as Record<string, unknown>;
  const { client, miner, netuid, tier, model, cumulativeAmount, signature } = raw;
  if (
    typeof client !== "string" ||
    typeof miner !== "string" ||
    typeof netuid !== "number" ||
    typeof tier !== "number" ||
    typeof model !== "string" ||
    !/^0x[0-9a-fA-F]{64}$/.test(model) ||
    typeof cumulativeAmount !== "string" ||
    !/^\d+$/.test(cumulativeAmount) ||
    typeof signature !== "string"
  ) {
    throw new Error("malformed voucher header");
  }
  return { voucher: { client, miner, netuid, tier, model, cumulativeAmount: BigInt(cumulativeAmount) }, signature };
}
