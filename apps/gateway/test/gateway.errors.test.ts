/**
 * The gateway's refusals, failovers and recovery end to end (a network like gateway.test.ts's):
 * keys, rate limits, per-call limits, unknown models, a miner that fails, no miner alive, escrow
 * exhausted, usage written at close, catching up after lost Redis state.
 */
import type { Signer } from "ethers";
import type { FastifyInstance } from "fastify";
import OpenAI from "openai";
import { parseEther } from "ethers";
import { statusBeforeBody } from "@noosphere/testkit/http";
import { encodeVoucherHeader, signVoucher, voucherDomain } from "@noosphere/protocol";
import { Redis } from "ioredis";
import { buildGatewayApp } from "../src/app";
import type { GatewayRuntime } from "../src/services";
import type { Keyspace } from "../src/store/keyspace";
import type { TokenizerRegistry } from "../src/tokens";
import { startGatewayFixture } from "../src/testing/gateway-fixture";
import type { GatewayFixture } from "../src/testing/gateway-fixture";
import type { TestNetwork } from "../src/testing/network";
import { TEST_REDIS_URL } from "../src/testing/redis";

jest.setTimeout(120_000);

const MODEL = "noos-tiny";

describe("gateway: refusals, failovers and recovery", () => {
  let fx: GatewayFixture;
  let net: TestNetwork;
  let redis: Redis;
  let keys: Keyspace;
  let tokens: TokenizerRegistry;
  let gw: GatewayRuntime;
  let app: FastifyInstance;
  let baseURL: string;
  let apiKey: string;
  let openai: OpenAI;

  beforeAll(async () => {
    fx = await startGatewayFixture();
    ({ net, redis, keys, tokens, gw, app, baseURL, apiKey, openai } = fx);
  });

  afterAll(async () => {
    await fx?.close();
  });

  const gateway = (signer?: Signer, client?: string, connection?: Redis) => fx.gateway(signer, client, connection);
  const calls = () => fx.calls();
  const inject = (url: string, body: unknown, key?: string) => fx.inject(url, body, key);

  describe("error paths", () => {
    it("refuses a missing, malformed, unknown or revoked key with 401 in OpenAI's error shape", async () => {
      const before = calls();
      const body = { model: MODEL, messages: [{ role: "user", content: "hi" }] };
      const missing = await app.inject({ method: "POST", url: "/v1/chat/completions", payload: body });
      expect(missing.statusCode).toBe(401);
      expect(missing.json()).toEqual({
        error: {
          message: expect.stringContaining("No API key"),
          type: "authentication_error",
          param: null,
          code: "missing_api_key",
        },
      });
      for (const key of ["sk-123", `${apiKey.slice(0, -2)}xx`]) {
        const res = await inject("/v1/chat/completions", body, key);
        expect(res.statusCode).toBe(401);
        expect(res.json().error.code).toBe("invalid_api_key");
      }
      const revoked = await gw.apiKeys.create("revoked");
      await gw.apiKeys.revoke(revoked.record.id);
      expect((await inject("/v1/chat/completions", body, revoked.key)).json().error.code).toBe("invalid_api_key");
      const bad = new OpenAI({ baseURL, apiKey: "noos_aaaaaaaaaaaa_" + "b".repeat(40), maxRetries: 0 });
      await expect(
        bad.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }] }),
      ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
      expect(calls()).toBe(before);
    });

    it("refuses an unknown key before reading the body it announced", async () => {
      const url = new URL(`${baseURL}/chat/completions`);
      const wrongKey = apiKey.slice(0, -1) + (apiKey.endsWith("a") ? "b" : "a");
      // 4 MiB announced, nothing sent: a gateway that parsed the body first would wait for it.
      const status = await statusBeforeBody(url.href, { authorization: `Bearer ${wrongKey}` }, 4 * 1024 * 1024);
      expect(status).toBe(401);
    });

    it("refuses a wrong key with 401 whatever else is wrong with the request, before any miner is called", async () => {
      const before = calls();
      const wrongKey = apiKey.slice(0, -1) + (apiKey.endsWith("a") ? "b" : "a");
      const badRequests: [string, unknown][] = [
        ["/v1/chat/completions", { model: MODEL }], // no messages: 400
        ["/v1/chat/completions", { model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }], // 404
        ["/v1/completions", { model: MODEL, prompt: "Call me", max_tokens: 65 }], // over the limit: 413
        ["/v1/completions", { model: MODEL, prompt: "Call me Ishmael. ".repeat(100), max_tokens: 4 }], // 413
        ["/v1/ocr", { model: MODEL, image: "aGVsbG8=" }], // a model of the other task: 400
      ];
      for (const [url, body] of badRequests) {
        expect((await inject(url, body)).statusCode).toBeGreaterThanOrEqual(400); // a good key learns what is wrong
        const res = await inject(url, body, wrongKey);
        expect(res.statusCode).toBe(401);
        expect(res.json().error.code).toBe("invalid_api_key");
      }
      const malformed = await app.inject({
        method: "POST",
        url: "/v1/chat/completions",
        payload: "{not json",
        headers: { authorization: `Bearer ${wrongKey}`, "content-type": "application/json" },
      });
      expect(malformed.statusCode).toBe(401);
      expect(calls()).toBe(before);
    });

    it("rate-limits each key with 429 and Retry-After", async () => {
      const { key } = await gw.apiKeys.create("slow", { rpm: 2 });
      const body = { model: MODEL, prompt: "Call me", max_tokens: 2 };
      expect((await inject("/v1/completions", body, key)).statusCode).toBe(200);
      expect((await inject("/v1/completions", body, key)).statusCode).toBe(200);
      const limited = await inject("/v1/completions", body, key);
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error).toMatchObject({ type: "rate_limit_error", code: "rate_limit_exceeded" });
      expect(Number(limited.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      expect((await inject("/v1/completions", body)).statusCode).toBe(200); // other keys are not affected
    });

    it("refuses requests over the subnet's per-call limits with 413 before any miner is called", async () => {
      const before = calls();
      const outstanding = (await gw.account.status()).outstanding;
      const tooMany = await inject("/v1/chat/completions", {
        model: MODEL,
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 65,
      });
      expect(tooMany.statusCode).toBe(413);
      expect(tooMany.json().error).toMatchObject({ code: "max_tokens_exceeded", param: "max_tokens" });
      const longPrompt = "Call me Ishmael. ".repeat(100);
      expect(tokens.count(MODEL, longPrompt)).toBeGreaterThan(200);
      const tooLong = await inject("/v1/completions", { model: MODEL, prompt: longPrompt, max_tokens: 4 });
      expect(tooLong.statusCode).toBe(413);
      expect(tooLong.json().error.code).toBe("context_length_exceeded");
      expect(calls()).toBe(before);
      expect((await gw.account.status()).outstanding).toBe(outstanding);
    });

    it("answers 404 for a model nobody serves and 400 for a malformed request", async () => {
      const unknown = await inject("/v1/chat/completions", {
        model: "gpt-4o",
        messages: [{ role: "user", content: "hi" }],
      });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error).toMatchObject({ code: "model_not_found", param: "model" });
      const malformed = await app.inject({
        method: "POST",
        url: "/v1/chat/completions",
        payload: "{not json",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().error.type).toBe("invalid_request_error");
      const noMessages = await inject("/v1/chat/completions", { model: MODEL });
      expect(noMessages.json().error).toMatchObject({ param: "messages", type: "invalid_request_error" });
    });

    it("retries a failed call once on another miner, and releases the failed call's voucher", async () => {
      const [first, second] = net.miners as [TestNetwork["miners"][0], TestNetwork["miners"][0]];
      const slot = { miner: first.hotkey.address, netuid: net.netuid, tier: net.tier };
      const firstBefore = await gw.ledger.state(slot);
      const secondCalls = second.calls;
      await first.stop(); // the directory still lists it as live: the call fails on a closed port
      try {
        fx.random = 0; // picks the lowest uid first: the stopped miner
        const res = await inject("/v1/completions", { model: MODEL, prompt: "Call me", max_tokens: 3 });
        expect(res.statusCode).toBe(200);
        expect(res.headers["x-noos-miner"]).toBe(second.hotkey.address);
        expect(second.calls).toBe(secondCalls + 1);
        expect(await gw.ledger.state(slot)).toEqual(firstBefore); // nothing owed to the miner that failed
        const metrics = await gw.metrics.retries.get();
        expect(metrics.values.reduce((n, v) => n + v.value, 0)).toBeGreaterThanOrEqual(1);
      } finally {
        await first.start();
        gw.scoreboard.forget(`${net.netuid}:${first.hotkey.address.toLowerCase()}`);
      }
    });

    it("retries a stream on another miner when the first fails before answering", async () => {
      const [first, second] = net.miners as [TestNetwork["miners"][0], TestNetwork["miners"][0]];
      await first.stop();
      try {
        fx.random = 0;
        const secondCalls = second.calls;
        const { data: stream, response } = await openai.chat.completions
          .create({ model: MODEL, messages: [{ role: "user", content: "Ahoy" }], max_tokens: 4, stream: true })
          .withResponse();
        expect(response.headers.get("x-noos-miner")).toBe(second.hotkey.address);
        let chunks = 0;
        for await (const _chunk of stream) chunks++;
        expect(chunks).toBeGreaterThanOrEqual(2);
        expect(second.calls).toBe(secondCalls + 1);
      } finally {
        await first.start();
        gw.scoreboard.forget(`${net.netuid}:${first.hotkey.address.toLowerCase()}`);
      }
    });

    it("answers 503 no_miner_available when no miner is alive", async () => {
      for (const m of net.miners) await m.stop();
      try {
        // Miners the directory still believes alive: each is tried (once), then 503.
        const res = await inject("/v1/completions", { model: MODEL, prompt: "Call me", max_tokens: 3 });
        expect(res.statusCode).toBe(503);
        expect(res.json().error).toMatchObject({ type: "server_error", code: "no_miner_available" });
        // After the health checks have seen them down: 503 at once, without a call.
        await gw.directory.refresh();
        expect(gw.directory.miners().filter((m) => m.netuid === net.netuid && m.live)).toEqual([]);
        const again = await inject("/v1/chat/completions", {
          model: MODEL,
          messages: [{ role: "user", content: "hi" }],
        });
        expect(again.statusCode).toBe(503);
        expect(again.json().error.code).toBe("no_miner_available");
        // A wrong key learns that first (no reservation checked it), whatever the miners.
        const wrongKey = apiKey.slice(0, -1) + (apiKey.endsWith("a") ? "b" : "a");
        const refused = await inject("/v1/completions", { model: MODEL, prompt: "Call me", max_tokens: 3 }, wrongKey);
        expect(refused.statusCode).toBe(401);
        expect(refused.json().error.code).toBe("invalid_api_key");
        const health = await app.inject({ method: "GET", url: "/health" });
        expect(health.json()).toMatchObject({
          miners: { live: 1, known: 3 },
          models: [`sn${net.ocr!.netuid}/ppocr-v4:batch`],
        });
      } finally {
        for (const m of net.miners) await m.start();
        for (const m of net.miners) gw.scoreboard.forget(`${net.netuid}:${m.hotkey.address.toLowerCase()}`);
        await gw.directory.refresh();
      }
      expect(gw.directory.miners().every((m) => m.live)).toBe(true);
    });

    it("answers 402 insufficient_quota when the escrow minus outstanding vouchers cannot cover the price", async () => {
      // A second client whose escrow covers exactly two requests, served through its own hot key.
      const client = await net.fundedWallet(parseEther("10"));
      const hotKey = await net.fundedWallet();
      const billingAddress = await net.billing.getAddress();
      await (await net.token.connect(client).approve(billingAddress, parseEther("10"))).wait();
      await (await net.billing.connect(client).deposit(2n * net.price)).wait();
      await (await net.billing.connect(client).authorizeSigner(hotKey.address)).wait();
      const poor = await gateway(hotKey, client.address);
      await poor.account.checkSigner();
      const poorApp = buildGatewayApp(poor);
      try {
        const { key } = await poor.apiKeys.create("poor");
        const body = { model: MODEL, prompt: "Call me", max_tokens: 2 };
        const send = () =>
          poorApp.inject({
            method: "POST",
            url: "/v1/completions",
            payload: body,
            headers: { authorization: `Bearer ${key}` },
          });
        expect((await send()).statusCode).toBe(200);
        expect((await send()).statusCode).toBe(200);
        const before = calls();
        const refused = await send();
        expect(refused.statusCode).toBe(402);
        expect(refused.json().error).toMatchObject({ type: "insufficient_quota", code: "insufficient_quota" });
        expect(refused.json().error.message).toContain("Deposit more NOOS");
        expect(calls()).toBe(before);
        // A deposit is seen at the next refusal's snapshot, without a restart: the gateway allots it to a
        // miner and the call goes through (the miner re-reads its allotment before refusing).
        await (await net.billing.connect(client).deposit(net.price)).wait();
        const afterDeposit = await send();
        expect(afterDeposit.statusCode).toBe(200);
        expect((await poor.account.status()).outstanding).toBe(3n * net.price);
      } finally {
        await poorApp.close();
        await poor.close();
      }
    });
  });

  it("writes the usage it counted in memory when it closes, before its Redis connection goes", async () => {
    const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    const own = await gateway(net.client, undefined, connection);
    const ownApp = buildGatewayApp(own);
    try {
      const { key, record } = await own.apiKeys.create("closing");
      const res = await ownApp.inject({
        method: "POST",
        url: "/v1/completions",
        payload: { model: MODEL, prompt: "Call me", max_tokens: 2 },
        headers: { authorization: `Bearer ${key}` },
      });
      expect(res.statusCode).toBe(200);
      await ownApp.close();
      await own.close();
      connection.disconnect(); // what the gateway's shutdown does next
      expect(await gw.usage.get(record.id)).toMatchObject({ requests: 1, charged: net.price });
    } finally {
      connection.disconnect();
    }
  });

  it("catches up with a miner that holds a higher voucher (lost gateway state) and goes on", async () => {
    fx.random = 0;
    const miner = net.miners[0]!;
    const slot = { miner: miner.hotkey.address, netuid: net.netuid, tier: net.tier };
    // One more answer, not yet redeemed: the miner holds a voucher above the chain's redeemed total.
    expect((await inject("/v1/completions", { model: MODEL, prompt: "Call me", max_tokens: 2 })).statusCode).toBe(200);
    const held = (await gw.ledger.state(slot)).cumulative;
    expect(held).toBeGreaterThan(
      await net.billing.redeemed(net.client.address, miner.hotkey.address, net.netuid, net.tier),
    );
    const callsBefore = miner.calls;
    // Forget everything this client signed, as after losing Redis.
    await redis.del(keys.ledger(net.chainId, await net.billing.getAddress(), net.client.address));
    const fresh = await gateway();
    const freshApp = buildGatewayApp(fresh);
    try {
      const { key } = await fresh.apiKeys.create("fresh");
      const res = await freshApp.inject({
        method: "POST",
        url: "/v1/completions",
        payload: { model: MODEL, prompt: "Call me", max_tokens: 2 },
        headers: { authorization: `Bearer ${key}` },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers["x-noos-miner"]).toBe(miner.hotkey.address);
      expect((await fresh.ledger.state(slot)).cumulative).toBe(held + net.price);
      expect(miner.calls).toBe(callsBefore + 2); // refused as too low, caught up, answered
    } finally {
      await freshApp.close();
      await fresh.close();
    }
  });

  // The audit's critical hole: on a miner's 403 voucher-too-low the gateway parsed "previous N" from
  // the miner's text and raised the client's cumulative to N, so one forged refusal let a miner sign
  // itself the escrow. Now only a voucher signed by this client's side moves the ledger.
  it("catches up only with a voucher signed by the client's side, never with a miner's word", async () => {
    const miner = net.miners[1]!;
    const slot = { miner: miner.hotkey.address, netuid: net.netuid, tier: net.tier };
    const before = await gw.ledger.state(slot);
    const domain = voucherDomain(net.chainId, await net.billing.getAddress());
    const huge = {
      client: net.client.address,
      miner: miner.hotkey.address,
      netuid: net.netuid,
      tier: net.tier,
      model: net.modelHash,
      cumulativeAmount: parseEther("1000000"),
    };
    const forged = encodeVoucherHeader(huge, await signVoucher(miner.hotkey, domain, huge));
    expect(await gw.account.catchUp(slot, forged)).toBe(false); // signed by the miner itself
    expect(await gw.account.catchUp(slot, "previous 1000000000000000000000000")).toBe(false);
    expect(await gw.account.catchUp(slot, undefined)).toBe(false);
    const elsewhere = { ...huge, miner: net.miners[0]!.hotkey.address };
    const misplaced = encodeVoucherHeader(elsewhere, await signVoucher(net.client, domain, elsewhere));
    expect(await gw.account.catchUp(slot, misplaced)).toBe(false); // another slot's voucher
    expect(await gw.ledger.state(slot)).toEqual(before);
    const real = { ...huge, cumulativeAmount: before.cumulative + net.price };
    expect(await gw.account.catchUp(slot, encodeVoucherHeader(real, await signVoucher(net.client, domain, real)))).toBe(
      true,
    );
    expect((await gw.ledger.state(slot)).cumulative).toBe(before.cumulative + net.price);
  });

  it("sheds with 429 and Retry-After when every miner is at its capacity, never 503, and charges only answers", async () => {
    fx.random = Math.random;
    const { record, key } = await gw.apiKeys.create("flood");
    const body = { model: MODEL, prompt: "Call me Ishmael.", max_tokens: 64 };
    const replies = await Promise.all(Array.from({ length: 400 }, () => inject("/v1/completions", body, key)));
    const statuses = replies.map((r) => r.statusCode);
    const shed = replies.filter((r) => r.statusCode === 429);
    expect(statuses.filter((st) => st !== 200 && st !== 429)).toEqual([]);
    expect(shed.length).toBeGreaterThan(0);
    expect(shed[0]!.headers["retry-after"]).toBe("1");
    expect(shed[0]!.json().error.code).toBe("server_overloaded");
    await gw.usage.flush();
    const answered = statuses.filter((st) => st === 200).length;
    expect(await gw.usage.get(record.id)).toMatchObject({ charged: BigInt(answered) * net.price });
    fx.random = 0;
  });
});
