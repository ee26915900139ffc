/**
 * EIP-712 vouchers of Billing (contracts/billing/BillingVouchers.sol), for gateways that sign them and
 * miners that check them before serving. To move into packages/protocol.
 */
import { verifyTypedData, type TypedDataDomain, type TypedDataField } from "ethers";

/** Billing tiers: `standard` runs on a GPU, `batch` on a CPU. */
export const TIERS = { standard: 0, batch: 1 } as const;
export type TierName = keyof typeof TIERS;

/** A cumulative voucher: the total `client` owes `miner` for (netuid, tier), in NOOS wei. */
export interface Voucher {
  client: string;
  miner: string;
  netuid: number;
  /** 0 standard (GPU), 1 batch (CPU). */
  tier: number;
  /** sha256 of the ONNX model the miner's axon declares (0x00..00 for none: no royalty). */
  model: string;
  cumulativeAmount: bigint;
}

/** The EIP-712 types of a voucher (primary type `Voucher`). */
export const voucherTypes: Record<string, TypedDataField[]> = {
  Voucher: [
    { name: "client", type: "address" },
    { name: "miner", type: "address" },
    { name: "netuid", type: "uint16" },
    { name: "tier", type: "uint8" },
    { name: "model", type: "bytes32" },
    { name: "cumulativeAmount", type: "uint256" },
  ],
};

/** The EIP-712 domain of the Billing contract at `verifyingContract` on `chainId`. */
export function voucherDomain(chainId: bigint | number, verifyingContract: string): TypedDataDomain {
  return { name: "NoosphereBilling", version: "1", chainId, verifyingContract };
}

/** Anything that signs EIP-712 typed data (an ethers Wallet or JsonRpcSigner). */
export interface TypedDataSigner {
  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string>;
}

/** Signs `voucher` for `domain`; returns the 65-byte signature Billing.redeem takes. */
export async function signVoucher(signer: TypedDataSigner, domain: TypedDataDomain, voucher: Voucher): Promise<string> {
  return signer.signTypedData(domain, voucherTypes, { ...voucher });
}

/** Recovers who signed `voucher` (check it is the client or a signer the client authorised). */
export function recoverVoucherSigner(domain: TypedDataDomain, voucher: Voucher, signature: string): string {
  return verifyTypedData(domain, voucherTypes, { ...voucher }, signature);
}
