import fc from "fast-check";
import { NonceManager, SigningKey, TypedDataEncoder, Wallet, computeAddress, getBytes, verifyTypedData } from "ethers";
import { addressOfPublicKey, recoverTypedDataSigner, signTypedData, typedDataDigest } from "./crypto";
import { ecdsaBackend } from "./secp256k1";
import { requestTypes } from "./request";
import { responseTypes } from "./response";
import { voucherDomain, voucherTypes } from "./voucher";
import { wireDomain } from "./domain";

const hex = (bytes: number) =>
  fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => `0x${Buffer.from(b).toString("hex")}`);
const address = hex(20);
const uint = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });
const domain = fc
  .tuple(fc.bigInt({ min: 1n, max: 1n << 64n }), address)
  .chain(([chainId, contract]) => fc.constantFrom(wireDomain(chainId, contract), voucherDomain(chainId, contract)));

const wallets = Array.from({ length: 4 }, () => new Wallet(Wallet.createRandom().privateKey));

describe("EIP-712 crypto fast path", () => {
  it("uses the native libsecp256k1 binding here", () => {
    expect(ecdsaBackend).toBe("libsecp256k1");
  });

  it("hashes, signs and recovers exactly as ethers does, for every wire type", async () => {
    const voucher = fc.record({
      client: address,
      miner: address,
      netuid: uint(16).map(Number),
      tier: uint(8).map(Number),
      model: hex(32),
      cumulativeAmount: uint(256),
    });
    const request = fc.record({
      caller: address,
      miner: address,
      netuid: uint(16).map(Number),
      bodyHash: hex(32),
      nonce: uint(256),
      deadline: uint(64),
    });
    const response = fc.record({ requestHash: hex(32), outputHash: hex(32), owed: uint(256) });
    const cases = fc.oneof(
      voucher.map((v) => [voucherTypes, v] as const),
      request.map((v) => [requestTypes, v] as const),
      response.map((v) => [responseTypes, v] as const),
    );
    await fc.assert(
      fc.asyncProperty(domain, cases, fc.nat(wallets.length - 1), async (d, [types, value], w) => {
        const wallet = wallets[w]!;
        const v = value as unknown as Record<string, unknown>;
        expect(typedDataDigest(d, types, v)).toBe(TypedDataEncoder.hash(d, types, v));
        const signature = await signTypedData(wallet, d, types, v);
        expect(signature).toBe(await wallet.signTypedData(d, types, v));
        expect(recoverTypedDataSigner(d, types, v, signature)).toBe(wallet.address);
        expect(recoverTypedDataSigner(d, types, v, signature)).toBe(verifyTypedData(d, types, v, signature));
      }),
      { numRuns: 200 },
    );
  });

  it("signs through any other signer with its own signTypedData", async () => {
    const d = voucherDomain(31337, wallets[0]!.address);
    const v = {
      client: wallets[0]!.address,
      miner: wallets[1]!.address,
      netuid: 1,
      tier: 0,
      model: `0x${"11".repeat(32)}`,
      cumulativeAmount: 5n,
    };
    const managed = new NonceManager(wallets[0]!);
    expect(await signTypedData(managed, d, voucherTypes, v)).toBe(await wallets[0]!.signTypedData(d, voucherTypes, v));
  });

  it("refuses what ethers refuses: wrong field sizes, out-of-range integers, malformed signatures", async () => {
    const d = voucherDomain(1, wallets[0]!.address);
    const v = {
      client: wallets[0]!.address,
      miner: wallets[1]!.address,
      netuid: 1,
      tier: 0,
      model: `0x${"11".repeat(32)}`,
      cumulativeAmount: 5n,
    };
    expect(() => typedDataDigest(d, voucherTypes, { ...v, model: "0x1234" })).toThrow();
    expect(() => typedDataDigest(d, voucherTypes, { ...v, cumulativeAmount: -1n })).toThrow();
    expect(() => typedDataDigest(d, voucherTypes, { ...v, client: "0xnothex" })).toThrow();
    const sig = await signTypedData(wallets[0]!, d, voucherTypes, v);
    for (const bad of ["0x", "0x1234", sig.slice(0, -2) + "1f"]) {
      expect(() => recoverTypedDataSigner(d, voucherTypes, v, bad)).toThrow();
      expect(() => verifyTypedData(d, voucherTypes, v, bad)).toThrow();
    }
  });

  it("derives checksummed addresses from public keys exactly as ethers' computeAddress", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
        fc.pre(seed.some((b) => b !== 0));
        let key: SigningKey;
        try {
          key = new SigningKey(seed);
        } catch {
          return; // not below the curve order
        }
        expect(addressOfPublicKey(getBytes(key.publicKey))).toBe(computeAddress(key.publicKey));
      }),
      { numRuns: 300 },
    );
  });

  it("falls back to ethers (noble) when the bindings are switched off, with the same signatures", async () => {
    const saved = process.env.NOOS_NATIVE_SECP256K1;
    const savedKeccak = process.env.NOOS_NATIVE_KECCAK;
    process.env.NOOS_NATIVE_SECP256K1 = "0";
    process.env.NOOS_NATIVE_KECCAK = "0";
    try {
      let noble: typeof import("./crypto") | undefined;
      let javascript: typeof import("./keccak") | undefined;
      let secp: typeof import("./secp256k1") | undefined;
      jest.isolateModules(() => {
        noble = require("./crypto") as typeof import("./crypto");
        javascript = require("./keccak") as typeof import("./keccak");
        secp = require("./secp256k1") as typeof import("./secp256k1");
      });
      expect(secp!.ecdsaBackend).toBe("noble");
      expect(javascript!.keccakBackend).toBe("javascript");
      const d = wireDomain(7, wallets[2]!.address);
      const r = { requestHash: `0x${"ab".repeat(32)}`, outputHash: `0x${"cd".repeat(32)}`, owed: 9n };
      const sig = await noble!.signTypedData(wallets[2]!, d, responseTypes, r);
      expect(sig).toBe(await signTypedData(wallets[2]!, d, responseTypes, r));
      expect(noble!.recoverTypedDataSigner(d, responseTypes, r, sig)).toBe(wallets[2]!.address);
    } finally {
      if (saved === undefined) delete process.env.NOOS_NATIVE_SECP256K1;
      else process.env.NOOS_NATIVE_SECP256K1 = saved;
      if (savedKeccak === undefined) delete process.env.NOOS_NATIVE_KECCAK;
      else process.env.NOOS_NATIVE_KECCAK = savedKeccak;
    }
  });
});
