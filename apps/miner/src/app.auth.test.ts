import { Wallet } from "ethers";
import { statusBeforeBody } from "@noosphere/testkit/http";
import {
  HEADERS,
  decodeVoucherHeader,
  outputHash,
  recoverResponseSigner,
  recoverVoucherSigner,
  requestHash,
} from "@noosphere/protocol";
import type { VoucherBook } from "./billing/voucher-book";
import { infer, send, signCall } from "./testing/client";
import type { MinerTarget } from "./testing/client";
import { PROMPT, TEXT, errorOf, startMinerApp } from "./testing/miner-app";
import type { CountingTask, MinerAppFixture } from "./testing/miner-app";
import { LIMITS, PRICE } from "./testing/network";
import type { TestNetwork } from "./testing/network";

jest.setTimeout(120_000);

/** Authentication (401) and access (403): signatures, deadlines, nonces, permits, vouchers and escrow. */
describe("miner HTTP API: who is served (real chain, real model, real HTTP)", () => {
  let fx: MinerAppFixture;
  let net: TestNetwork;
  let task: CountingTask;
  let book: VoucherBook;
  let target: MinerTarget;

  beforeAll(async () => {
    fx = await startMinerApp();
    ({ net, task, book, target } = fx);
  });

  afterAll(async () => {
    await fx?.close();
  });

  describe("authentication (401)", () => {
    it("refuses a request without a signature header, and the model never runs (opentensor/bittensor#3392)", async () => {
      const runs = task.runs;
      const call = await signCall(net.accounts.validator, target, PROMPT, {
        headers: { [HEADERS.signature]: undefined },
      });
      expect(await errorOf(await send(target, call))).toEqual({ status: 401, code: "missing-signature" });
      expect(task.runs).toBe(runs);
    });

    it.each([
      ["an empty signature", ""],
      ["whitespace", "   "],
      ["a bare 0x", "0x"],
      ["an all-zero signature", "0x" + "00".repeat(65)],
    ])("refuses %s as missing", async (_name, signature) => {
      const call = await signCall(net.accounts.validator, target, PROMPT, {
        headers: { [HEADERS.signature]: signature },
      });
      expect(await errorOf(await send(target, call))).toEqual({ status: 401, code: "missing-signature" });
    });

    it("refuses a signature by another key than the caller's", async () => {
      const forged = await signCall(net.accounts.stranger, target, PROMPT, {
        headers: { [HEADERS.caller]: net.accounts.validator.address },
      });
      expect(await errorOf(await send(target, forged))).toEqual({ status: 401, code: "bad-signature" });
    });

    it("refuses a body changed after signing", async () => {
      const call = await signCall(net.accounts.validator, target, PROMPT);
      const res = await send(target, call, { sendBody: JSON.stringify({ ...PROMPT, max_tokens: 9 }) });
      expect(await errorOf(res)).toEqual({ status: 401, code: "bad-signature" });
    });

    it("refuses a request signed for another miner", async () => {
      const other = { ...target, miner: Wallet.createRandom().address };
      const call = await signCall(net.accounts.validator, other, PROMPT);
      expect(await errorOf(await send(target, call))).toEqual({ status: 401, code: "bad-signature" });
    });

    it("refuses garbage in the signature header", async () => {
      const call = await signCall(net.accounts.validator, target, PROMPT, {
        headers: { [HEADERS.signature]: "0xdeadbeef" },
      });
      expect(await errorOf(await send(target, call))).toEqual({ status: 401, code: "bad-signature" });
    });

    it("refuses a request for another netuid, and malformed headers", async () => {
      const wrongNet = await signCall(net.accounts.validator, target, PROMPT, {
        headers: { [HEADERS.netuid]: String(net.netuid + 1) },
      });
      expect(await errorOf(await send(target, wrongNet))).toEqual({ status: 401, code: "wrong-netuid" });
      const badNonce = await signCall(net.accounts.validator, target, PROMPT, { headers: { [HEADERS.nonce]: "-1" } });
      expect(await errorOf(await send(target, badNonce))).toEqual({ status: 401, code: "malformed-headers" });
      const noCaller = await signCall(net.accounts.validator, target, PROMPT, {
        headers: { [HEADERS.caller]: undefined },
      });
      expect(await errorOf(await send(target, noCaller))).toEqual({ status: 401, code: "malformed-headers" });
    });

    it("refuses an expired deadline", async () => {
      const past = () => Math.floor(Date.now() / 1000) - 120;
      const res = await infer(net.accounts.validator, target, PROMPT, { now: past, ttlSeconds: 60 });
      expect(await errorOf(res)).toEqual({ status: 401, code: "expired" });
    });

    it("refuses a deadline too far ahead (remembered nonces stay bounded)", async () => {
      const res = await infer(net.accounts.validator, target, PROMPT, { ttlSeconds: 3600 });
      expect(await errorOf(res)).toEqual({ status: 401, code: "deadline-too-far" });
    });

    it("refuses a replayed nonce", async () => {
      const call = await signCall(net.accounts.validator, target, PROMPT);
      expect((await send(target, call)).status).toBe(200);
      expect(await errorOf(await send(target, call))).toEqual({ status: 401, code: "replayed" });
    });

    it("checks the caller while the model starts, and stops the model when the caller is refused", async () => {
      // Text generation is speculative: the run starts before the signature is checked...
      expect(task.speculative).toBe(true);
      const { runs, aborted } = task;
      const forged = await signCall(
        net.accounts.stranger,
        target,
        { prompt: TEXT, max_tokens: LIMITS.maxOutputTokens },
        {
          headers: { [HEADERS.caller]: net.accounts.validator.address },
        },
      );
      expect(await errorOf(await send(target, forged))).toEqual({ status: 401, code: "bad-signature" });
      // ...and is aborted (not finished: the greedy text runs on to max_tokens) before the 401 goes out.
      expect(task.runs).toBe(runs + 1);
      expect(task.aborted).toBe(aborted + 1);
      expect(task.running).toBe(0);
      // A caller the headers already show to be unwelcome is refused before its body is read: no run at all.
      const stranger = await infer(net.accounts.stranger, target, { prompt: TEXT, max_tokens: LIMITS.maxOutputTokens });
      expect(await errorOf(stranger)).toEqual({ status: 403, code: "not-authorized" });
      expect(task.runs).toBe(runs + 1);
      expect(task.running).toBe(0);
    });

    it("refuses a caller queued behind another request with its own refusal", async () => {
      const long = infer(net.accounts.validator, target, { prompt: TEXT, max_tokens: LIMITS.maxOutputTokens });
      const forged = await signCall(
        net.accounts.stranger,
        target,
        { ...PROMPT, stream: true },
        {
          headers: { [HEADERS.caller]: net.accounts.validator.address },
        },
      );
      expect(await errorOf(await send(target, forged))).toEqual({ status: 401, code: "bad-signature" });
      expect((await long).status).toBe(200);
    });

    it("admits the caller before the model starts when the task is not speculative", async () => {
      task.speculativeOverride = false;
      try {
        const runs = task.runs;
        const forged = await signCall(net.accounts.stranger, target, PROMPT, {
          headers: { [HEADERS.caller]: net.accounts.validator.address },
        });
        expect(await errorOf(await send(target, forged))).toEqual({ status: 401, code: "bad-signature" });
        expect(await errorOf(await infer(net.accounts.stranger, target, PROMPT))).toEqual({
          status: 403,
          code: "not-authorized",
        });
        expect(task.runs).toBe(runs);
        expect((await infer(net.accounts.validator, target, PROMPT)).status).toBe(200);
        expect(task.runs).toBe(runs + 1);
      } finally {
        task.speculativeOverride = undefined;
      }
    });

    it("sends nothing of a stream before the caller is admitted", async () => {
      const forged = await signCall(
        net.accounts.stranger,
        target,
        { ...PROMPT, stream: true },
        {
          headers: { [HEADERS.caller]: net.accounts.validator.address },
        },
      );
      const res = await send(target, forged);
      expect(res.headers.get("content-type")).toMatch(/application\/json/);
      expect(await errorOf(res)).toEqual({ status: 401, code: "bad-signature" });
    });

    it("refuses a known caller's forged signature on the fast path too", async () => {
      // The validator was admitted above, so its key is cached.
      await new Promise((r) => setImmediate(r));
      const forged = await signCall(net.accounts.stranger, target, PROMPT, {
        headers: { [HEADERS.caller]: net.accounts.validator.address },
      });
      expect(await errorOf(await send(target, forged))).toEqual({ status: 401, code: "bad-signature" });
      expect((await infer(net.accounts.validator, target, PROMPT)).status).toBe(200);
    });
  });

  describe("access (403)", () => {
    it("serves a validator with a permit for free, with a signed answer", async () => {
      const call = await signCall(net.accounts.validator, target, PROMPT);
      const res = await send(target, call);
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        output: { text: string; usage: { completionTokens: number } };
        requestHash: string;
        outputHash: string;
        owed: string;
        signature: string;
        miner: string;
      };
      expect(body.owed).toBe("0");
      expect(body.output.usage.completionTokens).toBeGreaterThan(0);
      expect(body.requestHash).toBe(requestHash(target.wireDomain, call.request));
      expect(body.outputHash).toBe(outputHash(JSON.stringify(body.output)));
      expect(res.headers.get(HEADERS.response)).toBe(body.signature);
      const signer = recoverResponseSigner(
        target.wireDomain,
        { requestHash: body.requestHash, outputHash: body.outputHash, owed: 0n },
        body.signature,
      );
      expect(signer).toBe(net.accounts.miner.address);
      expect(body.miner).toBe(net.accounts.miner.address);
    });

    it("refuses a stranger (no permit, no voucher)", async () => {
      const res = await infer(net.accounts.stranger, target, PROMPT);
      expect(await errorOf(res)).toEqual({ status: 403, code: "not-authorized" });
    });

    it("refuses a registered neuron without the stake for a permit", async () => {
      // The miner's own hotkey is registered on the subnet with no stake.
      const res = await infer(net.accounts.miner, target, PROMPT);
      expect(await errorOf(res)).toEqual({ status: 403, code: "not-authorized" });
    });

    it("serves a paying client, takes its voucher, and owes the price", async () => {
      const { client } = net.accounts;
      const before = book.cumulativeOf(client.address);
      const res = await infer(client, target, PROMPT, {
        voucher: { client: client.address, cumulativeAmount: before + PRICE },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get(HEADERS.owed)).toBe(PRICE.toString());
      const body = (await res.json()) as { requestHash: string; outputHash: string; owed: string; signature: string };
      expect(body.owed).toBe(PRICE.toString());
      expect(recoverResponseSigner(target.wireDomain, { ...body, owed: PRICE }, body.signature)).toBe(
        net.accounts.miner.address,
      );
      expect(book.cumulativeOf(client.address)).toBe(before + PRICE);
      expect(book.unredeemed().map((h) => h.voucher.client)).toContain(client.address);
    });

    it("serves a client through a signer it authorised (a gateway's key)", async () => {
      const { client, gateway } = net.accounts;
      const next = book.cumulativeOf(client.address) + PRICE;
      const res = await infer(gateway, target, PROMPT, { voucher: { client: client.address, cumulativeAmount: next } });
      expect(res.status).toBe(200);
      expect(book.cumulativeOf(client.address)).toBe(next);
    });

    it("refuses a voucher signed by a key the client never authorised", async () => {
      const { client, stranger } = net.accounts;
      const next = book.cumulativeOf(client.address) + PRICE;
      const res = await infer(stranger, target, PROMPT, {
        voucher: { client: client.address, cumulativeAmount: next },
      });
      expect(await errorOf(res)).toEqual({ status: 403, code: "unauthorized-signer" });
    });

    it("says which voucher it holds when one is too low: signed by the client's side, so a gateway can check it", async () => {
      const { client } = net.accounts;
      const current = book.cumulativeOf(client.address);
      const res = await infer(client, target, PROMPT, {
        voucher: { client: client.address, cumulativeAmount: current },
      });
      expect(res.status).toBe(403);
      const { error } = (await res.json()) as { error: { code: string; held: string; required: string } };
      expect(error.code).toBe("voucher-too-low");
      expect(BigInt(error.required)).toBe(current + PRICE);
      const held = decodeVoucherHeader(error.held);
      expect(held.voucher).toMatchObject({ client: client.address, cumulativeAmount: current });
      const signer = recoverVoucherSigner(target.voucherDomain, held.voucher, held.signature);
      expect([client.address, net.accounts.gateway.address]).toContain(signer);
    });

    it("refuses a signer the client revoked, though its vouchers still redeem during the revocation delay", async () => {
      const { client } = net.accounts;
      const signer = net.accounts.spare[1]!;
      await (await net.billing.connect(client).authorizeSigner(signer.address)).wait();
      const next = book.cumulativeOf(client.address) + PRICE;
      expect(
        (await infer(signer, target, PROMPT, { voucher: { client: client.address, cumulativeAmount: next } })).status,
      ).toBe(200);
      await (await net.billing.connect(client).revokeSigner(signer.address)).wait();
      expect(await net.billing.isAuthorizedSigner(client.address, signer.address)).toBe(true); // delay running
      fx.chain.clear();
      const after = await infer(signer, target, PROMPT, {
        voucher: { client: client.address, cumulativeAmount: next + PRICE },
      });
      expect(await errorOf(after)).toEqual({ status: 403, code: "unauthorized-signer" });
    });

    it("refuses a stranger from its headers alone, without reading the body it announced", async () => {
      const call = await signCall(net.accounts.stranger, target, PROMPT);
      const url = new URL(`${target.url}/v1/infer`);
      // 15 KiB announced, nothing sent: a miner that read the body first would wait for it.
      const status = await statusBeforeBody(url.href, call.headers as Record<string, string>, 15 * 1024);
      expect(status).toBe(403);
    });

    it("refuses a voucher that does not pay for this request", async () => {
      const { client } = net.accounts;
      const current = book.cumulativeOf(client.address);
      const same = await infer(client, target, PROMPT, {
        voucher: { client: client.address, cumulativeAmount: current },
      });
      expect(await errorOf(same)).toEqual({ status: 403, code: "voucher-too-low" });
      const short = await infer(client, target, PROMPT, {
        voucher: { client: client.address, cumulativeAmount: current + PRICE - 1n },
      });
      expect(await errorOf(short)).toEqual({ status: 403, code: "voucher-too-low" });
    });

    it("refuses a voucher for another miner, tier or model", async () => {
      const { client } = net.accounts;
      const amount = book.cumulativeOf(client.address) + PRICE;
      for (const wrong of [{ miner: Wallet.createRandom().address }, { tier: 0 }, { model: "0x" + "11".repeat(32) }]) {
        const res = await infer(client, target, PROMPT, {
          voucher: { client: client.address, cumulativeAmount: amount, ...wrong },
        });
        expect(await errorOf(res)).toEqual({ status: 403, code: "voucher-mismatch" });
      }
    });

    it("refuses a voucher not signed by the caller of the request", async () => {
      const { client, validator } = net.accounts;
      const call = await signCall(client, target, PROMPT, {
        voucher: { client: client.address, cumulativeAmount: book.cumulativeOf(client.address) + PRICE },
      });
      const other = await signCall(validator, target, PROMPT, {
        headers: { [HEADERS.voucher]: call.headers[HEADERS.voucher] },
      });
      expect(await errorOf(await send(target, other))).toEqual({ status: 403, code: "bad-voucher-signature" });
    });

    it("refuses a malformed voucher header with 400", async () => {
      const res = await infer(net.accounts.client, target, PROMPT, { headers: { [HEADERS.voucher]: "not-a-voucher" } });
      expect(await errorOf(res)).toEqual({ status: 400, code: "malformed-voucher" });
    });

    it("serves a client only while its escrow covers what is unredeemed", async () => {
      const { poorClient } = net.accounts; // escrow: exactly one price
      const first = await infer(poorClient, target, PROMPT, {
        voucher: { client: poorClient.address, cumulativeAmount: PRICE },
      });
      expect(first.status).toBe(200);
      const second = await infer(poorClient, target, PROMPT, {
        voucher: { client: poorClient.address, cumulativeAmount: 2n * PRICE },
      });
      expect(await errorOf(second)).toEqual({ status: 403, code: "insufficient-escrow" });
    });

    it("gives the voucher back when the request gets no answer", async () => {
      const { client } = net.accounts;
      const amount = book.cumulativeOf(client.address) + PRICE;
      const tooLong = await infer(
        client,
        target,
        { prompt: "x", max_tokens: LIMITS.maxOutputTokens + 1 },
        { voucher: { client: client.address, cumulativeAmount: amount } },
      );
      expect(tooLong.status).toBe(413);
      expect(book.cumulativeOf(client.address)).toBe(amount - PRICE);
      const ok = await infer(client, target, PROMPT, { voucher: { client: client.address, cumulativeAmount: amount } });
      expect(ok.status).toBe(200);
    });
  });
});
