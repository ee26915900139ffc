import { TypedDataEncoder, concat, keccak256 } from "ethers";
import type { SigningKey, TypedDataDomain } from "ethers";
import { responseTypes } from "@noosphere/protocol";
import type { InferenceResponse } from "@noosphere/protocol";

/** The miner's hotkey as the app needs it: an address and a key that signs digests (an ethers Wallet). */
export interface Hotkey {
  readonly address: string;
  readonly signingKey: SigningKey;
}

/**
 * Signs responses (request hash, output hash, amount owed) with the hotkey, synchronously and
 * with the typed-data encoders built once. The signature equals protocol's `signResponse`.
 */
export class ResponseSigner {
  private readonly encoder = TypedDataEncoder.from(responseTypes);
  private readonly domainSeparator: string;

  constructor(
    private readonly hotkey: Hotkey,
    domain: TypedDataDomain,
  ) {
    this.domainSeparator = TypedDataEncoder.hashDomain(domain);
  }

  get address(): string {
    return this.hotkey.address;
  }

  sign(response: InferenceResponse): string {
    const digest = keccak256(concat(["0x1901", this.domainSeparator, this.encoder.hash(response)]));
    return this.hotkey.signingKey.sign(digest).serialized;
  }
}
