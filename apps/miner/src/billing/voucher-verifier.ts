import { SigningKey, TypedDataEncoder, computeAddress, concat, getBytes, isHexString, keccak256 } from "ethers";
import type { TypedDataDomain } from "ethers";
import { voucherTypes } from "@noosphere/protocol";
import type { Voucher } from "@noosphere/protocol";
import type { CallerKeys } from "../auth/caller-keys";

/**
 * Checks who signed a voucher under Billing's EIP-712 domain: against the signer's cached public
 * key when the miner knows it (the fast path for a gateway that calls again and again), else by
 * recovering the key. Same answers as protocol's `recoverVoucherSigner`.
 */
export class VoucherVerifier {
  private readonly encoder = TypedDataEncoder.from(voucherTypes);
  private readonly domainSeparator: string;

  constructor(
    domain: TypedDataDomain,
    private readonly keys: CallerKeys,
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
    const fast = this.keys.verify(signer, getBytes(digest), getBytes(signature));
    if (fast !== undefined) return fast;
    try {
      return computeAddress(SigningKey.recoverPublicKey(digest, signature)).toLowerCase() === signer.toLowerCase();
    } catch {
      return false;
    }
  }
}
