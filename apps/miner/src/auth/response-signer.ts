import type { SigningKey, TypedDataDomain } from "ethers";
import type { InferenceResponse } from "@noosphere/protocol";
import { createEcdsa } from "./ecdsa";
import type { Ecdsa } from "./ecdsa";
import { TypedHasher } from "./typed-hash";

/** The miner's hotkey as the app needs it: an address and a key that signs digests (an ethers Wallet). */
export interface Hotkey {
  readonly address: string;
  readonly signingKey: SigningKey;
}

/**
 * Signs responses (request hash, output hash, amount owed) with the hotkey, synchronously, with
 * the typed-data encoders built once. The signature equals protocol's `signResponse` (RFC 6979).
 */
export class ResponseSigner {
  private readonly hasher: TypedHasher;

  constructor(
    private readonly hotkey: Hotkey,
    domain: TypedDataDomain,
    private readonly ecdsa: Ecdsa = createEcdsa(),
  ) {
    this.hasher = new TypedHasher(domain);
  }

  get address(): string {
    return this.hotkey.address;
  }

  sign(response: InferenceResponse): string {
    return this.ecdsa.sign(this.hotkey.signingKey, this.hasher.response(response));
  }
}
