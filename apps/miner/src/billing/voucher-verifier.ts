import { getBytes, isHexString } from "ethers";
import type { TypedDataDomain } from "ethers";
import { typedDataDigestBytes, voucherTypes } from "@noosphere/protocol";
import type { Voucher } from "@noosphere/protocol";
import type { Ecdsa } from "../auth/ecdsa";

/** Checks who signed a voucher under Billing's EIP-712 domain; same answers as protocol's `recoverVoucherSigner`. */
export class VoucherVerifier {
  constructor(
    private readonly domain: TypedDataDomain,
    private readonly ecdsa: Ecdsa,
  ) {}

  digest(voucher: Voucher): Uint8Array {
    return typedDataDigestBytes(this.domain, voucherTypes, { ...voucher });
  }

  /** Whether `signature` over `voucher` was made by `signer`. Never throws. */
  signedBy(voucher: Voucher, signature: string, signer: string): boolean {
    if (!isHexString(signature, 65)) return false;
    let digest: Uint8Array;
    try {
      digest = this.digest(voucher);
    } catch {
      return false; // a field out of its EIP-712 type's range
    }
    return this.ecdsa.signedBy(signer, digest, getBytes(signature));
  }
}
