/** The libsecp256k1 calls the hot paths use, as the `secp256k1` package's native binding exports them. */
export interface NativeSecp256k1 {
  ecdsaSign(message: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaRecover(signature: Uint8Array, recid: number, message: Uint8Array, compressed: boolean): Uint8Array;
}

function load(): NativeSecp256k1 | undefined {
  if (process.env.NOOS_NATIVE_SECP256K1 === "0") return undefined;
  try {
    // The binding only: the package's pure-JS fallback would be slower than ethers.
    return require("secp256k1/bindings") as NativeSecp256k1;
  } catch {
    return undefined;
  }
}

/**
 * libsecp256k1 (RFC 6979 nonces, low-s, as ethers signs) through the `secp256k1` package's
 * prebuilt binding, an optional dependency; undefined where it does not load or
 * NOOS_NATIVE_SECP256K1=0. Everything here then falls back to ethers (noble).
 */
export const nativeSecp256k1: NativeSecp256k1 | undefined = load();

/** Which ECDSA implementation signs and recovers: "libsecp256k1" or "noble". */
export const ecdsaBackend: "libsecp256k1" | "noble" = nativeSecp256k1 ? "libsecp256k1" : "noble";
