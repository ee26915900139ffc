/**
 * What each piece of the miner's own per-request work costs on one thread, with no model and no
 * HTTP: authenticating a request, checking a voucher, signing the answer, with libsecp256k1 and
 * with the pure-JavaScript fallback (and, apart, what signing costs the caller).
 */
import { performance } from "node:perf_hooks";
import type { HDNodeWallet } from "ethers";
import { signRequest, signVoucher } from "@noosphere/protocol";
import { RequestAuthenticator } from "../src/auth/authenticator";
import { createEcdsa } from "../src/auth/ecdsa";
import { ResponseSigner } from "../src/auth/response-signer";
import { VoucherVerifier } from "../src/billing/voucher-verifier";
import type { MinerTarget } from "../src/testing/client";
import { stats } from "./http-client";

const PROMPT = "Call me Ishmael. Some years ago";

/** p50 in µs of each piece, over 500 requests signed by `caller` for `target`. */
export async function pieces(
  target: MinerTarget,
  caller: HDNodeWallet,
  hotkey: HDNodeWallet,
): Promise<[string, number][]> {
  const body = JSON.stringify({ prompt: PROMPT, max_tokens: 64 });
  const calls = await Promise.all(
    Array.from({ length: 500 }, () =>
      signRequest(caller, target.wireDomain, { miner: target.miner, netuid: target.netuid, body, ttlSeconds: 290 }),
    ),
  );
  const voucher = {
    client: caller.address,
    miner: target.miner,
    netuid: target.netuid,
    tier: target.tier,
    model: target.model,
    cumulativeAmount: 1n,
  };
  const voucherSignature = await signVoucher(caller, target.voucherDomain, voucher);
  const out: [string, number][] = [];
  const time = (name: string, fn: (i: number) => void) => {
    const us: number[] = [];
    for (let i = 0; i < calls.length; i++) {
      const t = performance.now();
      fn(i);
      us.push((performance.now() - t) * 1000);
    }
    out.push([name, stats(us).p50]);
  };
  for (const ecdsa of [createEcdsa(), createEcdsa({ pureJs: true })]) {
    const label = ecdsa.backend === "native" ? "libsecp256k1" : "JavaScript";
    const auth = new RequestAuthenticator({
      domain: target.wireDomain,
      miner: target.miner,
      netuid: target.netuid,
      ecdsa,
    });
    time(`authenticate a request (${label}, first call)`, (i) =>
      auth.authenticate(calls[i]!.headers, Buffer.from(body)),
    );
    if (ecdsa.backend === "javascript") {
      ecdsa.admitted(caller.address);
      const again = await Promise.all(
        calls.map(() =>
          signRequest(caller, target.wireDomain, { miner: target.miner, netuid: target.netuid, body, ttlSeconds: 290 }),
        ),
      );
      time(`authenticate a request (${label}, admitted caller)`, (i) =>
        auth.authenticate(again[i]!.headers, Buffer.from(body)),
      );
    }
    const verifier = new VoucherVerifier(target.voucherDomain, ecdsa);
    time(`verify a voucher (${label})`, () => verifier.signedBy(voucher, voucherSignature, caller.address));
    const signer = new ResponseSigner(hotkey, target.wireDomain, ecdsa);
    time(`sign the answer (${label})`, (i) =>
      signer.sign({ requestHash: calls[i]!.request.bodyHash, outputHash: calls[i]!.request.bodyHash, owed: 1n }),
    );
  }
  const clientSign: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    await signRequest(caller, target.wireDomain, { miner: target.miner, netuid: target.netuid, body });
    clientSign.push((performance.now() - t) * 1000);
  }
  out.push(["(client side, not in the HTTP figures) sign a request", stats(clientSign).p50]);
  return out;
}
