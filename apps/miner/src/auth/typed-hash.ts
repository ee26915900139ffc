import { TypedDataEncoder, getBytes, id, keccak256 } from "ethers";
import type { TypedDataDomain } from "ethers";
import { requestTypes, responseTypes, voucherTypes } from "@noosphere/protocol";
import type { InferenceRequest, InferenceResponse, Voucher } from "@noosphere/protocol";

type Field = { name: string; type: string };

/** `Name(type1 name1,...)`: the EIP-712 type string of a struct with no nested structs. */
function typeString(name: string, fields: readonly Field[]): string {
  return `${name}(${fields.map((f) => `${f.type} ${f.name}`).join(",")})`;
}

const TYPE_HASHES = {
  request: getBytes(id(typeString("InferenceRequest", requestTypes.InferenceRequest))),
  response: getBytes(id(typeString("InferenceResponse", responseTypes.InferenceResponse))),
  voucher: getBytes(id(typeString("Voucher", voucherTypes.Voucher))),
};

/**
 * EIP-712 digests of the three wire structs, encoded by hand into one buffer: the same bytes as
 * ethers' TypedDataEncoder (tests check it), about five times faster, for the miner's hot path.
 * Values out of their type's range throw, as the encoder does.
 */
export class TypedHasher {
  private readonly prefix: Uint8Array;

  constructor(domain: TypedDataDomain) {
    this.prefix = new Uint8Array(34); // 0x19 0x01 domainSeparator
    this.prefix.set([0x19, 0x01]);
    this.prefix.set(getBytes(TypedDataEncoder.hashDomain(domain)), 2);
  }

  request(r: InferenceRequest): string {
    return this.digest(TYPE_HASHES.request, (w) => {
      w.address(r.caller);
      w.address(r.miner);
      w.uint(BigInt(r.netuid), 16);
      w.bytes32(r.bodyHash);
      w.uint(r.nonce, 256);
      w.uint(r.deadline, 64);
    });
  }

  response(r: InferenceResponse): string {
    return this.digest(TYPE_HASHES.response, (w) => {
      w.bytes32(r.requestHash);
      w.bytes32(r.outputHash);
      w.uint(r.owed, 256);
    });
  }

  voucher(v: Voucher): string {
    return this.digest(TYPE_HASHES.voucher, (w) => {
      w.address(v.client);
      w.address(v.miner);
      w.uint(BigInt(v.netuid), 16);
      w.uint(BigInt(v.tier), 8);
      w.bytes32(v.model);
      w.uint(v.cumulativeAmount, 256);
    });
  }

  private digest(typeHash: Uint8Array, encode: (w: Words) => void): string {
    const words = new Words(typeHash);
    encode(words);
    const message = new Uint8Array(66);
    message.set(this.prefix);
    message.set(getBytes(keccak256(words.bytes.subarray(0, words.length))), 34);
    return keccak256(message);
  }
}

/** 32-byte ABI words after the type hash. */
class Words {
  readonly bytes = new Uint8Array(32 * 8);
  private offset = 32;

  constructor(typeHash: Uint8Array) {
    this.bytes.set(typeHash);
  }

  address(value: string): void {
    if (!/^0x[0-9a-fA-F]{40}$/.test(value)) throw new RangeError(`not an address: ${value}`);
    this.bytes.set(Buffer.from(value.slice(2), "hex"), this.offset + 12);
    this.offset += 32;
  }

  bytes32(value: string): void {
    if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new RangeError(`not a bytes32: ${value}`);
    this.bytes.set(Buffer.from(value.slice(2), "hex"), this.offset);
    this.offset += 32;
  }

  uint(value: bigint, bits: number): void {
    if (value < 0n || value >= 1n << BigInt(bits)) throw new RangeError(`${value} is not a uint${bits}`);
    const hex = value.toString(16).padStart(64, "0");
    this.bytes.set(Buffer.from(hex, "hex"), this.offset);
    this.offset += 32;
  }

  get length(): number {
    return this.offset;
  }
}
