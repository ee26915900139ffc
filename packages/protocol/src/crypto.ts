import { BaseWallet, Signature, TypedDataEncoder, getBytes, keccak256, recoverAddress, toUtf8Bytes } from "ethers";
import type { Signer, TypedDataDomain, TypedDataField } from "ethers";
import { keccak256Bytes } from "./keccak";
import { nativeSecp256k1 } from "./secp256k1";

/**
 * EIP-712 hashing, signing and recovery on the hot path of every request (a gateway signs two
 * messages per request, a miner recovers two). Results are exactly those of ethers'
 * signTypedData / verifyTypedData; only the speed differs:
 * - flat structs (address, uintN, bytes32 fields: every wire type here) are hashed with their
 *   type hash and the domain separator computed once;
 * - ECDSA runs in libsecp256k1 (the `secp256k1` package's prebuilt binding, RFC 6979 nonces and
 *   low-s like ethers, so signatures are byte-identical) when it loads, else in ethers (noble);
 * - Keccak-256 runs natively (./keccak) when it loads.
 */

const native = nativeSecp256k1;

type Types = Record<string, TypedDataField[]>;

interface FlatHasher {
  typeHash: Uint8Array;
  fields: { name: string; kind: "address" | "uint" | "bytes32" }[];
}

const hashers = new WeakMap<Types, FlatHasher | null>();
const separators = new Map<string, Uint8Array>();

/** 0x-hex to bytes without ethers' generic checks (inputs here are hashes and addresses). */
function hexBytes(hex: string, name: string, size: number): Uint8Array {
  if (typeof hex !== "string" || hex.length !== 2 + 2 * size || !/^0x[0-9a-fA-F]*$/.test(hex)) {
    throw new TypeError(`${name} must be ${size} bytes of 0x-hex, got ${String(hex)}`);
  }
  return Buffer.from(hex.slice(2), "hex");
}

/** A hasher for single-struct types whose fields are all address, uintN or bytes32; else null. */
function flatHasher(types: Types): FlatHasher | null {
  let h = hashers.get(types);
  if (h !== undefined) return h;
  const names = Object.keys(types);
  const fields = names.length === 1 ? types[names[0]!]! : [];
  const kinds = fields.map((f) =>
    f.type === "address"
      ? "address"
      : f.type === "bytes32"
        ? "bytes32"
        : /^uint(8|16|32|64|128|256)?$/.test(f.type)
          ? "uint"
          : null,
  );
  if (names.length !== 1 || kinds.some((k) => k === null)) {
    h = null;
  } else {
    const encodeType = `${names[0]}(${fields.map((f) => `${f.type} ${f.name}`).join(",")})`;
    h = {
      typeHash: getBytes(keccak256(toUtf8Bytes(encodeType))),
      fields: fields.map((f, i) => ({ name: f.name, kind: kinds[i]! })),
    };
  }
  hashers.set(types, h);
  return h;
}

function domainSeparator(domain: TypedDataDomain): Uint8Array {
  const key = `${domain.name}|${domain.version}|${String(domain.chainId)}|${domain.verifyingContract}|${domain.salt}`;
  let sep = separators.get(key);
  if (sep === undefined) {
    sep = getBytes(TypedDataEncoder.hashDomain(domain));
    separators.set(key, sep);
  }
  return sep;
}

function writeWord(
  out: Uint8Array,
  offset: number,
  kind: "address" | "uint" | "bytes32",
  value: unknown,
  name: string,
): void {
  if (kind === "uint") {
    let n = typeof value === "bigint" ? value : BigInt(value as number | string);
    if (n < 0n || n >= 1n << 256n) throw new RangeError(`${name} out of uint range: ${n}`);
    for (let i = offset + 31; n > 0n; i--) {
      out[i] = Number(n & 0xffn);
      n >>= 8n;
    }
    return;
  }
  const size = kind === "address" ? 20 : 32;
  out.set(hexBytes(value as string, name, size), offset + 32 - size);
}

/** The EIP-712 digest of `value` (what is signed) as 32 bytes. */
export function typedDataDigestBytes(
  domain: TypedDataDomain,
  types: Types,
  value: Record<string, unknown>,
): Uint8Array {
  const h = flatHasher(types);
  if (!h) return getBytes(TypedDataEncoder.hash(domain, types, value));
  const buf = new Uint8Array(32 * (h.fields.length + 1));
  buf.set(h.typeHash, 0);
  h.fields.forEach((f, i) => writeWord(buf, 32 * (i + 1), f.kind, value[f.name], f.name));
  const message = new Uint8Array(66);
  message[0] = 0x19;
  message[1] = 0x01;
  message.set(domainSeparator(domain), 2);
  message.set(keccak256Bytes(buf), 34);
  return keccak256Bytes(message);
}

/** The EIP-712 digest of `value` (what is signed), as ethers' TypedDataEncoder.hash computes it. */
export function typedDataDigest(domain: TypedDataDomain, types: Types, value: Record<string, unknown>): string {
  return toHex(typedDataDigestBytes(domain, types, value));
}

function toHex(bytes: Uint8Array): string {
  return "0x" + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** 0x-hex address with the EIP-55 checksum, from its 20 bytes (what ethers' getAddress returns). */
function checksummed(address: Uint8Array): string {
  const lower = Buffer.from(address.buffer, address.byteOffset, address.byteLength).toString("hex");
  const hash = keccak256Bytes(Buffer.from(lower, "ascii"));
  let out = "0x";
  for (let i = 0; i < 40; i++) {
    const c = lower[i]!;
    // nibble i of the hash: upper case where it is >= 8
    const nibble = i % 2 === 0 ? hash[i >> 1]! >> 4 : hash[i >> 1]! & 15;
    out += nibble >= 8 ? c.toUpperCase() : c;
  }
  return out;
}

/** The address of an uncompressed public key (0x04 || x || y). */
export function addressOfPublicKey(publicKey: Uint8Array): string {
  return checksummed(keccak256Bytes(publicKey.subarray(1)).subarray(12));
}

/** Signs typed data as `signer.signTypedData` would (fast for wallets holding their key). */
export async function signTypedData(
  signer: Pick<Signer, "signTypedData">,
  domain: TypedDataDomain,
  types: Types,
  value: Record<string, unknown>,
): Promise<string> {
  if (!(signer instanceof BaseWallet)) return signer.signTypedData(domain, types, value);
  const digest = typedDataDigestBytes(domain, types, value);
  if (!native) return signer.signingKey.sign(digest).serialized;
  // libsecp256k1 signs low-s with RFC 6979 nonces, as ethers does: r || s || v, v = 27 + recid.
  const { signature, recid } = native.ecdsaSign(digest, hexBytes(signer.privateKey, "key", 32));
  return toHex(signature) + (27 + recid).toString(16);
}

/** The address that signed `digest` (throws on a malformed signature, as ethers does). */
export function recoverDigestSigner(digest: string, signature: string): string {
  if (!native) return recoverAddress(digest, signature);
  const sig = Signature.from(signature);
  const compact = getBytes(sig.r + sig.s.slice(2));
  const publicKey = native.ecdsaRecover(compact, sig.yParity, hexBytes(digest, "digest", 32), false);
  return addressOfPublicKey(publicKey);
}

/** Recovers who signed typed data, as ethers' verifyTypedData does. */
export function recoverTypedDataSigner(
  domain: TypedDataDomain,
  types: Types,
  value: Record<string, unknown>,
  signature: string,
): string {
  return recoverDigestSigner(typedDataDigest(domain, types, value), signature);
}
