import { Wallet } from "ethers";
import { HEADERS, NonceRegistry, RequestVerificationError, signRequest, verifyRequest, wireDomain } from "./index";
import type { RequestRejection } from "./index";

const domain = wireDomain(31337, "0x0000000000000000000000000000000000000a11");
const caller = Wallet.createRandom();
const miner = Wallet.createRandom();
const body = JSON.stringify({ prompt: "hello" });

async function signed(overrides: { body?: string; netuid?: number; ttlSeconds?: number } = {}) {
  return signRequest(caller, domain, {
    miner: miner.address,
    netuid: overrides.netuid ?? 1,
    body: overrides.body ?? body,
    ttlSeconds: overrides.ttlSeconds,
  });
}

function expectRejection(fn: () => unknown, reason: RequestRejection): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RequestVerificationError);
    expect((err as RequestVerificationError).reason).toBe(reason);
    return;
  }
  throw new Error(`expected a ${reason} rejection`);
}

describe("signed requests", () => {
  it("verifies a request signed for this miner and returns the caller", async () => {
    const { headers } = await signed();
    const req = verifyRequest({ domain, miner: miner.address, netuid: 1, headers, body, nonces: new NonceRegistry() });
    expect(req.caller).toBe(caller.address);
  });

  it.each(["", "   ", "0x", "0x0000"])("refuses an empty signature %p (the #3392 bypass)", async (sig) => {
    const { headers } = await signed();
    expectRejection(
      () =>
        verifyRequest({
          domain,
          miner: miner.address,
          netuid: 1,
          headers: { ...headers, [HEADERS.signature]: sig },
          body,
          nonces: new NonceRegistry(),
        }),
      "missing-signature",
    );
  });

  it("refuses a request with no signature header at all", async () => {
    const { headers } = await signed();
    const { [HEADERS.signature]: _dropped, ...rest } = headers;
    expectRejection(
      () =>
        verifyRequest({ domain, miner: miner.address, netuid: 1, headers: rest, body, nonces: new NonceRegistry() }),
      "missing-signature",
    );
  });

  it("refuses a tampered body, another miner, and another deployment", async () => {
    const { headers } = await signed();
    const nonces = new NonceRegistry();
    expectRejection(
      () => verifyRequest({ domain, miner: miner.address, netuid: 1, headers, body: body + " ", nonces }),
      "bad-signature",
    );
    expectRejection(
      () => verifyRequest({ domain, miner: Wallet.createRandom().address, netuid: 1, headers, body, nonces }),
      "bad-signature",
    );
    const otherChain = wireDomain(1, "0x0000000000000000000000000000000000000a11");
    expectRejection(
      () => verifyRequest({ domain: otherChain, miner: miner.address, netuid: 1, headers, body, nonces }),
      "bad-signature",
    );
  });

  it("refuses garbage signatures and malformed headers", async () => {
    const { headers } = await signed();
    const nonces = new NonceRegistry();
    expectRejection(
      () =>
        verifyRequest({
          domain,
          miner: miner.address,
          netuid: 1,
          headers: { ...headers, [HEADERS.signature]: "0x1234" },
          body,
          nonces,
        }),
      "bad-signature",
    );
    expectRejection(
      () =>
        verifyRequest({
          domain,
          miner: miner.address,
          netuid: 1,
          headers: { ...headers, [HEADERS.nonce]: "abc" },
          body,
          nonces,
        }),
      "malformed-headers",
    );
    expectRejection(
      () => verifyRequest({ domain, miner: miner.address, netuid: 2, headers, body, nonces }),
      "wrong-netuid",
    );
  });

  it("refuses an expired deadline and a replayed nonce", async () => {
    const nonces = new NonceRegistry();
    const { headers } = await signed();
    const later = Math.floor(Date.now() / 1000) + 3600;
    expectRejection(
      () => verifyRequest({ domain, miner: miner.address, netuid: 1, headers, body, nonces, nowSeconds: later }),
      "expired",
    );
    verifyRequest({ domain, miner: miner.address, netuid: 1, headers, body, nonces });
    expectRejection(
      () => verifyRequest({ domain, miner: miner.address, netuid: 1, headers, body, nonces }),
      "replayed",
    );
  });

  it("forgets nonces once their deadline has passed", () => {
    const nonces = new NonceRegistry();
    expect(nonces.consume(caller.address, 1n, 100, 50)).toBe(true);
    expect(nonces.consume(caller.address, 1n, 100, 60)).toBe(false);
    expect(nonces.consume(caller.address, 2n, 300, 200)).toBe(true);
    expect(nonces.size).toBe(1);
  });
});
