import { getBytes, isHexString } from "ethers";
import type { TypedDataDomain } from "ethers";
import type { Voucher } from "@noosphere/protocol";
import type { Ecdsa } from "../auth/ecdsa";
import { TypedHasher } from "../auth/typed-hash";

/** Checks who signed a voucher under Billing's EIP-712 domain; same answers as protocol's `recoverVoucherSigner`. */
export class VoucherVerifier {
  private readonly hasher: TypedHasher;

  constructor(
    domain: TypedDataDomain,
    private readonly ecdsa: Ecdsa,
  ) {
    this.hasher = new TypedHasher(domain);
  }

  digest(voucher: Voucher): string {
    return this.hasher.voucher(voucher);
  }

  /** Whether `signature` over `voucher` was made by `signer`. Never throws. */
  signedBy(voucher: Voucher, signature: string, signer: string): boolean {
    if (!isHexString(signature, 65)) return false;
    let digest: string;
    try {
      digest = this.digest(voucher);
    } catch {
      return false; // a field out of its EIP-712 type's range
    }
    return this.ecdsa.signedBy(signer, getBytes(digest), getBytes(signature));
  }
}
