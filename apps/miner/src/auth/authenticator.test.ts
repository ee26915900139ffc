import { Signature, Wallet, getBytes, keccak256, toBeHex } from "ethers";
import fc from "fast-check";
import { HEADERS, NonceRegistry, requestHash, signRequest, verifyRequest, wireDomain } from "@noosphere/protocol";
import { MinerHttpError } from "../errors";
import { RequestAuthenticator } from "./authenticator";
import { CallerKeys } from "./caller-keys";
import { createEcdsa } from "./ecdsa";
import type { Ecdsa } from "./ecdsa";

const domain = wireDomain(31337, "0x00000000000000000000000000000000000005b1");
const miner = Wallet.createRandom().address;
const netuid = 3;
const body = JSON.stringify({ prompt: "hello" });
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function reason(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof MinerHttpError) {
      expect(err.statusCode).toBe(401);
      return err.code;
    }
    throw err;
  }
}

/** What protocol's verifyRequest says about these headers and body (undefined: accepted). */
function protocolReason(headers: Record<string, string>, raw: string): string | undefined {
  try {
    verifyRequest({ domain, miner, netuid, headers, body: raw, nonces: new NonceRegistry() });
    return undefined;
  } catch (err) {
    return (err as { reason: string }).reason;
  }
}

it("uses libsecp256k1 when the secp256k1 package's binding is installed", () => {
  expect(createEcdsa().backend).toBe("native");
  expect(createEcdsa({ pureJs: true }).backend).toBe("javascript");
});

describe.each<[string, () => Ecdsa]>([
  ["native", () => createEcdsa()],
  ["javascript", () => createEcdsa({ pureJs: true })],
])("RequestAuthenticator (%s secp256k1)", (_name, makeEcdsa) => {
  const caller = Wallet.createRandom();
  const other = Wallet.createRandom();
  const make = () => new RequestAuthenticator({ domain, miner, netuid, ecdsa: makeEcdsa() });

  it("accepts what protocol's verifyRequest accepts, with the same request hash, before and after admission", async () => {
    const auth = make();
    for (let i = 0; i < 3; i++) {
      const signed = await signRequest(caller, domain, { miner, netuid, body });
      const ours = auth.authenticate(signed.headers, Buffer.from(body));
      const theirs = verifyRequest({
        domain,
        miner,
        netuid,
        headers: signed.headers,
        body,
        nonces: new NonceRegistry(),
      });
      expect(ours.request).toEqual(theirs);
      expect(ours.hash).toBe(requestHash(domain, theirs));
      auth.admitted(ours);
    }
  });

  it("refuses as protocol does: missing, malformed, other netuid, bad signature, expired, replayed", async () => {
    const auth = make();
    const signed = await signRequest(caller, domain, { miner, netuid, body });
    const raw = Buffer.from(body);
    const without = (name: string) => Object.fromEntries(Object.entries(signed.headers).filter(([k]) => k !== name));
    expect(reason(() => auth.authenticate(without(HEADERS.signature), raw))).toBe("missing-signature");
    expect(reason(() => auth.authenticate({ ...signed.headers, [HEADERS.signature]: "0x0000" }, raw))).toBe(
      "missing-signature",
    );
    expect(reason(() => auth.authenticate(without(HEADERS.deadline), raw))).toBe("malformed-headers");
    expect(reason(() => auth.authenticate({ ...signed.headers, [HEADERS.caller]: "alice" }, raw))).toBe(
      "malformed-headers",
    );
    expect(reason(() => auth.authenticate({ ...signed.headers, [HEADERS.nonce]: "1".repeat(80) }, raw))).toBe(
      "malformed-headers",
    );
    expect(reason(() => auth.authenticate({ ...signed.headers, [HEADERS.netuid]: "4" }, raw))).toBe("wrong-netuid");
    expect(reason(() => auth.authenticate(signed.headers, Buffer.from(body + " ")))).toBe("bad-signature");
    expect(reason(() => auth.authenticate({ ...signed.headers, [HEADERS.caller]: other.address }, raw))).toBe(
      "bad-signature",
    );
    const stale = await signRequest(caller, domain, {
      miner,
      netuid,
      body,
      now: () => Math.floor(Date.now() / 1000) - 100,
      ttlSeconds: 10,
    });
    expect(reason(() => auth.authenticate(stale.headers, raw))).toBe("expired");
    const far = await signRequest(caller, domain, { miner, netuid, body, ttlSeconds: 301 });
    expect(reason(() => auth.authenticate(far.headers, raw))).toBe("deadline-too-far");
    expect(reason(() => auth.authenticate(signed.headers, raw))).toBeUndefined();
    expect(reason(() => auth.authenticate(signed.headers, raw))).toBe("replayed");
  });

  it("treats odd signatures as ethers does: another signer, s flipped to n - s, a bad v", async () => {
    const auth = make();
    const first = await signRequest(caller, domain, { miner, netuid, body });
    auth.admitted(auth.authenticate(first.headers, Buffer.from(body))); // the JavaScript backend caches the key
    const raw = Buffer.from(body);

    const forged = await signRequest(other, domain, { miner, netuid, body });
    const claimed = { ...forged.headers, [HEADERS.caller]: caller.address };
    expect(reason(() => auth.authenticate(claimed, raw))).toBe("bad-signature");

    // n - s with the other v is a valid ECDSA signature; ethers refuses it when s >= 2^255.
    for (let i = 0; i < 8; i++) {
      const signed = await signRequest(caller, domain, { miner, netuid, body });
      const sig = Signature.from(signed.headers[HEADERS.signature]!);
      const flippedS = N - BigInt(sig.s);
      const flipped = sig.r + toBeHex(flippedS, 32).slice(2) + (sig.v === 27 ? "1c" : "1b");
      const headers = { ...signed.headers, [HEADERS.signature]: flipped };
      expect(reason(() => auth.authenticate(headers, raw))).toBe(protocolReason(headers, body));
    }

    const signed = await signRequest(caller, domain, { miner, netuid, body });
    const badV = signed.headers[HEADERS.signature]!.slice(0, -2) + "05";
    expect(reason(() => auth.authenticate({ ...signed.headers, [HEADERS.signature]: badV }, raw))).toBe(
      "bad-signature",
    );
    const highR = "0x" + "ff".repeat(32) + signed.headers[HEADERS.signature]!.slice(66);
    expect(reason(() => auth.authenticate({ ...signed.headers, [HEADERS.signature]: highR }, raw))).toBe(
      "bad-signature",
    );
  });

  it("agrees with protocol on random bodies, tampering and forgery (property)", async () => {
    const auth = make();
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.boolean(), fc.boolean(), async (text, tamper, forge) => {
        const signed = await signRequest(forge ? other : caller, domain, { miner, netuid, body: text });
        const headers = { ...signed.headers, [HEADERS.caller]: caller.address };
        const sent = tamper ? text + "!" : text;
        const ours = reason(() => auth.authenticate(headers, Buffer.from(sent)));
        expect(ours).toBe(protocolReason(headers, sent));
        expect(ours === undefined).toBe(!tamper && !forge);
        if (ours === undefined) auth.admitted({ request: signed.request, hash: "" });
      }),
      { numRuns: 40 },
    );
  });

  it("signs digests exactly as ethers does", () => {
    const ecdsa = makeEcdsa();
    for (let i = 0; i < 5; i++) {
      const digest = keccak256(new Uint8Array([i]));
      expect(ecdsa.sign(caller.signingKey, digest)).toBe(caller.signingKey.sign(digest).serialized);
    }
  });
});

describe("CallerKeys", () => {
  it("keeps at most `capacity` keys, least recently used out first", () => {
    const keys = new CallerKeys(2);
    const [a, b, c] = [Wallet.createRandom(), Wallet.createRandom(), Wallet.createRandom()];
    keys.remember(a.address, a.signingKey.publicKey);
    keys.remember(b.address, b.signingKey.publicKey);
    const digest = getBytes("0x" + "ab".repeat(32));
    expect(keys.verify(a.address, digest, getBytes(a.signingKey.sign(digest).serialized))).toBe(true); // a is now recent
    keys.remember(c.address, c.signingKey.publicKey);
    expect([keys.has(a.address), keys.has(b.address), keys.has(c.address)]).toEqual([true, false, true]);
    expect(keys.verify(b.address, digest, getBytes(b.signingKey.sign(digest).serialized))).toBeUndefined();
    expect(keys.verify(a.address, digest, getBytes(c.signingKey.sign(digest).serialized))).toBe(false);
  });
});
