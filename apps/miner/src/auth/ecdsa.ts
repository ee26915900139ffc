import { SigningKey, computeAddress, getBytes, hexlify } from "ethers";
import { keccak256Bytes, nativeSecp256k1 } from "@noosphere/protocol";
import type { NativeSecp256k1 } from "@noosphere/protocol";
import { CallerKeys } from "./caller-keys";

/**
 * secp256k1 as the miner's hot path needs it: "was this digest signed by that address?" and
 * "sign this digest". Two backends give the same answers as ethers (`recoverAddress`,
 * `SigningKey.sign`): libsecp256k1 through the `secp256k1` package's native binding (about 50 µs
 * an operation) when it is installed, else pure JavaScript, where callers the miner admitted are
 * checked against their cached public key (see CallerKeys).
 */
export interface Ecdsa {
  readonly backend: "native" | "javascript";
  /**
   * Whether `signature` (65 bytes: r, s, v) over `digest` was made by `address`. Accepts what
   * ethers accepts: s below 2^255, v in {0, 1, 27, 28}. Never throws.
   */
  signedBy(address: string, digest: Uint8Array, signature: Uint8Array): boolean;
  /** Tells the backend `address` was admitted (the JavaScript one then caches its key). */
  admitted(address: string): void;
  /** Signs a 32-byte digest; returns the 65-byte r || s || v (27 or 28) hex, as ethers does. */
  sign(key: SigningKey, digest: Uint8Array | string): string;
}

/** The native backend if the `secp256k1` binding loads (and NOOS_MINER_PURE_JS is not set), else JavaScript. */
export function createEcdsa(opts: { pureJs?: boolean; keys?: CallerKeys } = {}): Ecdsa {
  const pureJs = opts.pureJs ?? process.env.NOOS_MINER_PURE_JS === "1";
  const native = pureJs ? undefined : nativeSecp256k1;
  return native ? new NativeEcdsa(native) : new JsEcdsa(opts.keys ?? new CallerKeys());
}

/** v in {0, 1, 27, 28} and s below 2^255, as ethers' Signature.from requires; returns the recovery id. */
function recoveryId(signature: Uint8Array): number | undefined {
  if (signature.length !== 65) return undefined;
  if (((signature[32] as number) & 0x80) !== 0) return undefined;
  const v = signature[64] as number;
  if (v === 0 || v === 1) return v;
  if (v === 27 || v === 28) return v - 27;
  return undefined;
}

class NativeEcdsa implements Ecdsa {
  readonly backend = "native" as const;

  private readonly keys = new WeakMap<SigningKey, Uint8Array>();

  constructor(private readonly lib: NativeSecp256k1) {}

  signedBy(address: string, digest: Uint8Array, signature: Uint8Array): boolean {
    const recid = recoveryId(signature);
    if (recid === undefined) return false;
    try {
      const publicKey = this.lib.ecdsaRecover(signature.subarray(0, 64), recid, digest, false);
      const recovered = Buffer.from(keccak256Bytes(publicKey.subarray(1)).subarray(12)).toString("hex");
      return recovered === address.slice(2).toLowerCase();
    } catch {
      return false; // r or s out of range, or no point recovers
    }
  }

  admitted(): void {}

  sign(key: SigningKey, digest: Uint8Array | string): string {
    const { signature, recid } = this.lib.ecdsaSign(getBytes(digest), this.privateKey(key));
    return hexlify(signature) + (27 + recid).toString(16);
  }

  /** The key's 32 bytes, parsed once per key (the hotkey signs every answer). */
  private privateKey(key: SigningKey): Uint8Array {
    let bytes = this.keys.get(key);
    if (bytes === undefined) {
      bytes = getBytes(key.privateKey);
      this.keys.set(key, bytes);
    }
    return bytes;
  }
}

class JsEcdsa implements Ecdsa {
  readonly backend = "javascript" as const;
  /** Public keys recovered lately, so an admitted caller's key need not be recovered again. */
  private readonly recovered = new Map<string, string>();

  constructor(readonly keys: CallerKeys) {}

  signedBy(address: string, digest: Uint8Array, signature: Uint8Array): boolean {
    const fast = this.keys.verify(address, digest, signature);
    if (fast !== undefined) return fast;
    if (recoveryId(signature) === undefined) return false;
    try {
      const publicKey = SigningKey.recoverPublicKey(digest, hexlify(signature));
      if (computeAddress(publicKey).toLowerCase() !== address.toLowerCase()) return false;
      this.recovered.set(address.toLowerCase(), publicKey);
      if (this.recovered.size > 1024) this.recovered.delete(this.recovered.keys().next().value as string);
      return true;
    } catch {
      return false;
    }
  }

  admitted(address: string): void {
    const key = address.toLowerCase();
    const publicKey = this.recovered.get(key);
    if (publicKey === undefined || this.keys.has(key)) return;
    this.recovered.delete(key);
    this.keys.remember(key, publicKey);
  }

  sign(key: SigningKey, digest: Uint8Array | string): string {
    return key.sign(digest).serialized;
  }
}
