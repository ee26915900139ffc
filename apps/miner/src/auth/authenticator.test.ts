import { Signature, Wallet, getBytes, toBeHex } from "ethers";
import fc from "fast-check";
import { HEADERS, NonceRegistry, requestHash, signRequest, verifyRequest, wireDomain } from "@noosphere/protocol";
import { MinerHttpError } from "../errors";
import { RequestAuthenticator } from "./authenticator";
import { CallerKeys } from "./caller-keys";

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

describe("RequestAuthenticator", () => {
  const caller = Wallet.createRandom();
  const other = Wallet.createRandom();

  it("accepts what protocol's verifyRequest accepts, with the same request hash, on both paths", async () => {
    const auth = new RequestAuthenticator({ domain, miner, netuid });
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
      // First call: key recovered; later calls: verified against the cached key.
      expect(ours.publicKey !== undefined).toBe(i === 0);
      auth.admitted(ours);
    }
    expect(auth.keys.has(caller.address)).toBe(true);
  });

  it("refuses as protocol does: missing, malformed, other netuid, bad signature, expired, replayed", async () => {
    const auth = new RequestAuthenticator({ domain, miner, netuid });
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

  it("checks a cached caller's signatures against its key: another signer, a high s, a bad v", async () => {
    const auth = new RequestAuthenticator({ domain, miner, netuid });
    const first = await signRequest(caller, domain, { miner, netuid, body });
    auth.admitted(auth.authenticate(first.headers, Buffer.from(body)));
    const raw = Buffer.from(body);

    const forged = await signRequest(other, domain, { miner, netuid, body });
    expect(reason(() => auth.authenticate({ ...forged.headers, [HEADERS.caller]: caller.address }, raw))).toBe(
      "bad-signature",
    );

    // The same signature with s' = n - s is a valid ECDSA signature that ethers refuses (s >= 2^255
    // when the top bit is set): the fast path must refuse exactly those too.
    const signed = await signRequest(caller, domain, { miner, netuid, body });
    const sig = Signature.from(signed.headers[HEADERS.signature]!);
    const flippedS = N - BigInt(sig.s);
    const flipped = sig.r + toBeHex(flippedS, 32).slice(2) + (sig.v === 27 ? "1c" : "1b");
    const topBitSet = (getBytes(toBeHex(flippedS, 32))[0]! & 0x80) !== 0;
    const viaProtocol = (() => {
      try {
        verifyRequest({
          domain,
          miner,
          netuid,
          headers: { ...signed.headers, [HEADERS.signature]: flipped },
          body,
          nonces: new NonceRegistry(),
        });
        return undefined;
      } catch (err) {
        return (err as { reason: string }).reason;
      }
    })();
    expect(reason(() => auth.authenticate({ ...signed.headers, [HEADERS.signature]: flipped }, raw))).toBe(viaProtocol);
    expect(viaProtocol === "bad-signature").toBe(topBitSet);

    const badV = signed.headers[HEADERS.signature]!.slice(0, -2) + "05";
    expect(reason(() => auth.authenticate({ ...signed.headers, [HEADERS.signature]: badV }, raw))).toBe(
      "bad-signature",
    );
  });

  it("fast and slow paths agree on random bodies and tampering (property)", async () => {
    const keys = new CallerKeys();
    const fast = new RequestAuthenticator({ domain, miner, netuid, keys });
    const slow = new RequestAuthenticator({ domain, miner, netuid, keys: new CallerKeys(0) });
    keys.remember(caller.address, caller.signingKey.publicKey);
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.boolean(), fc.boolean(), async (text, tamper, forge) => {
        const signer = forge ? other : caller;
        const signed = await signRequest(signer, domain, { miner, netuid, body: text });
        const headers = { ...signed.headers, [HEADERS.caller]: caller.address };
        const sent = Buffer.from(tamper ? text + "!" : text);
        const a = reason(() => fast.authenticate(headers, sent));
        const b = reason(() => slow.authenticate(headers, sent));
        expect(a).toBe(b);
        expect(a === undefined).toBe(!tamper && !forge);
      }),
      { numRuns: 40 },
    );
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
  });
});
