import { TypedDataEncoder, getAddress, hexlify } from "ethers";
import fc from "fast-check";
import { requestTypes, responseTypes, voucherDomain, voucherTypes, wireDomain } from "@noosphere/protocol";
import { TypedHasher } from "./typed-hash";

const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(hexlify(b)));
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => hexlify(b));
const uint = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });
const domains = [
  wireDomain(31337, "0x00000000000000000000000000000000000005b1"),
  voucherDomain(1, "0x0000000000000000000000000000000000000b11"),
];

describe("TypedHasher", () => {
  it("hashes requests, responses and vouchers exactly as ethers' TypedDataEncoder (property)", () => {
    for (const domain of domains) {
      const hasher = new TypedHasher(domain);
      fc.assert(
        fc.property(
          address,
          address,
          uint(16),
          bytes32,
          uint(256),
          uint(64),
          (caller, miner, netuid, bodyHash, nonce, deadline) => {
            const r = { caller, miner, netuid: Number(netuid), bodyHash, nonce, deadline };
            expect(hasher.request(r)).toBe(TypedDataEncoder.hash(domain, requestTypes, r));
          },
        ),
        { numRuns: 200 },
      );
      fc.assert(
        fc.property(bytes32, bytes32, uint(256), (requestHash, outputHash, owed) => {
          const r = { requestHash, outputHash, owed };
          expect(hasher.response(r)).toBe(TypedDataEncoder.hash(domain, responseTypes, r));
        }),
        { numRuns: 200 },
      );
      fc.assert(
        fc.property(
          address,
          address,
          uint(16),
          uint(8),
          bytes32,
          uint(256),
          (client, miner, netuid, tier, model, cumulativeAmount) => {
            const v = { client, miner, netuid: Number(netuid), tier: Number(tier), model, cumulativeAmount };
            expect(hasher.voucher(v)).toBe(TypedDataEncoder.hash(domain, voucherTypes, v));
          },
        ),
        { numRuns: 200 },
      );
    }
  });

  it("refuses values outside their types, as the encoder does", () => {
    const hasher = new TypedHasher(domains[0]!);
    const ok = {
      caller: getAddress("0x" + "11".repeat(20)),
      miner: getAddress("0x" + "22".repeat(20)),
      netuid: 1,
      bodyHash: "0x" + "33".repeat(32),
      nonce: 1n,
      deadline: 1n,
    };
    expect(() => hasher.request({ ...ok, netuid: 65_536 })).toThrow();
    expect(() => hasher.request({ ...ok, netuid: 1.5 })).toThrow();
    expect(() => hasher.request({ ...ok, deadline: 1n << 64n })).toThrow();
    expect(() => hasher.request({ ...ok, nonce: -1n })).toThrow();
    expect(() => hasher.request({ ...ok, caller: "0x1234" })).toThrow();
    expect(() => hasher.request({ ...ok, bodyHash: "0x12" })).toThrow();
    expect(() => TypedDataEncoder.hash(domains[0]!, requestTypes, { ...ok, netuid: 65_536 })).toThrow();
  });
});
