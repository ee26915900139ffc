import type { SigningKey, TypedDataDomain } from "ethers";
import { responseTypes, typedDataDigestBytes } from "@noosphere/protocol";
import type { InferenceResponse } from "@noosphere/protocol";
import { createEcdsa } from "./ecdsa";
import type { Ecdsa } from "./ecdsa";

/** The miner's hotkey as the app needs it: an address and a key that signs digests (an ethers Wallet). */
export interface Hotkey {
  readonly address: string;
  readonly signingKey: SigningKey;
}

/**
 * Signs responses (request hash, output hash, amount owed) with the hotkey, synchronously. The
 * signature equals protocol's `signResponse` (RFC 6979).
 */
export class ResponseSigner {
  constructor(
    private readonly hotkey: Hotkey,
    private readonly domain: TypedDataDomain,
    private readonly ecdsa: Ecdsa = createEcdsa(),
  ) {}

  get address(): string {
    return this.hotkey.address;
  }

  sign(response: InferenceResponse): string {
    return this.ecdsa.sign(this.hotkey.signingKey, typedDataDigestBytes(this.domain, responseTypes, { ...response }));
  }
}
