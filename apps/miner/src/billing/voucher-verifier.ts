import { TypedDataEncoder, concat, getBytes, isHexString, keccak256 } from "ethers";
import type { TypedDataDomain } from "ethers";
import { voucherTypes } from "@noosphere/protocol";
import type { Voucher } from "@noosphere/protocol";
import type { Ecdsa } from "../auth/ecdsa";

/** Checks who signed a voucher under Billing's EIP-712 domain; same answers as protocol's `recoverVoucherSigner`. */
export class VoucherVerifier {
  private readonly encoder = TypedDataEncoder.from(voucherTypes);
  private readonly domainSeparator: string;

  constructor(
    domain: TypedDataDomain,
    private readonly ecdsa: Ecdsa,
  ) {
    this.domainSeparator = TypedDataEncoder.hashDomain(domain);
  }

  digest(voucher: Voucher): string {
    return keccak256(concat(["0x1901", this.domainSeparator, this.encoder.hash(voucher)]));
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
