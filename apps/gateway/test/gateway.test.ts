/**
 * The gateway end to end: the official `openai` client (only baseURL and key changed) against the
 * gateway, real miners (buildMinerApp over the built-in noos-tiny ONNX model) and a real chain
 * (Hardhat node, contracts deployed with the project's deploy helpers), with state in real Redis.
 */
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { formatEther, parseEther } from "ethers";
import { renderTextImage } from "@noosphere/inference";
import { HEADERS, encodeVoucherHeader, signRequest, signVoucher, voucherDomain, wireDomain } from "@noosphere/protocol";
import type { FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import { buildGatewayApp } from "../src/app";
import { consensusIncentives } from "../src/chain/consensus-incentives";
import { Router } from "../src/routing/router";
import { Scoreboard } from "../src/routing/scoreboard";
import { createGatewayServices } from "../src/services";
import type { GatewayRuntime } from "../src/services";
import type { Keyspace } from "../src/store/keyspace";
import { TokenizerRegistry } from "../src/tokens";
import { TEST_REDIS_URL, testRedis } from "../src/testing/redis";
import { startTestNetwork } from "../src/testing/network";
import type { TestNetwork } from "../src/testing/network";

jest.setTimeout(120_000);

const MODEL = "noos-tiny";

describe("gateway", () => {
  let net: TestNetwork;
  let redis: Redis;
  let keys: Keyspace;
  let cleanupRedis: () => Promise<void>;
  let gw: GatewayRuntime;
  let app: FastifyInstance;
  let baseURL: string;
  let apiKey: string;
  let openai: OpenAI;
  /** Picks are deterministic: 0 chooses the first ready miner by uid. */
  let random: number | (() => number) = 0.0;
  let tokens: TokenizerRegistry;

  async function gateway(signer = net.client, client?: string, connection = redis): Promise<GatewayRuntime> {
    const runtime = await createGatewayServices({
      redis: connection,
      keyspace: keys,
      chain: net.chainView(),
      signer,
      client,
      tokens,
      defaultRpm: 0,
      healthTimeoutMs: 2_000,
      router: { random: () => (typeof random === "function" ? random() : random) },
    });
    await runtime.directory.refresh();
    return runtime;
  }

  beforeAll(async () => {
    [net, { redis, keys, cleanup: cleanupRedis }, tokens] = await Promise.all([
      startTestNetwork({ miners: 2, deposit: parseEther("1"), ocr: true }),
      testRedis(),
      TokenizerRegistry.load(),
    ]);
    gw = await gateway();
    app = buildGatewayApp(gw);
    await app.listen({ port: 0, host: "127.0.0.1" });
    baseURL = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1`;
    apiKey = (await gw.apiKeys.create("tests")).key;
    openai = new OpenAI({ baseURL, apiKey });
  });

  afterAll(async () => {
    await app?.close();
    await gw?.close();
    await net?.stop();
    await cleanupRedis?.();
  });

  const calls = () => net.miners.reduce((n, m) => n + m.calls, 0);
  const inject = (url: string, body: unknown, key = apiKey) =>
    app.inject({ method: "POST", url, payload: body as object, headers: { authorization: `Bearer ${key}` } });

  describe("with the official openai client", () => {
    it("lists one model per subnet model and tier", async () => {
      const models = await openai.models.list();
      const ids = models.data.map((m) => m.id);
      expect(ids).toEqual([`sn${net.netuid}/${MODEL}:batch`, `sn${net.ocr!.netuid}/ppocr-v4:batch`]);
      expect(models.data[0]).toMatchObject({ object: "model", owned_by: `noosphere-sn${net.netuid}` });
      expect((models.data[0] as unknown as { price_noos: string }).price_noos).toBe(formatEther(net.price));
    });

    it("completes a chat, with OpenAI's shape, tokens and the NOOS charged", async () => {
      const before = calls();
      const chat = await openai.chat.completions.create({
        model: MODEL,
        messages: [
          { role: "system", content: "You are a sailor." },
          { role: "user", content: "Call me Ishmael." },
        ],
        max_tokens: 12,
        temperature: 0,
      });
      expect(chat.id).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/);
      expect(chat.object).toBe("chat.completion");
      expect(chat.model).toBe(`sn${net.netuid}/${MODEL}:batch`);
      expect(chat.created).toBeGreaterThan(1_700_000_000);
      expect(chat.choices).toHaveLength(1);
      expect(chat.choices[0]!.message.role).toBe("assistant");
      expect(typeof chat.choices[0]!.message.content).toBe("string");
      expect(["stop", "length"]).toContain(chat.choices[0]!.finish_reason);
      const prompt = "System: You are a sailor.\nUser: Call me Ishmael.\nAssistant:";
      expect(chat.usage!.prompt_tokens).toBe(tokens.count(MODEL, prompt));
      expect(chat.usage!.completion_tokens).toBeGreaterThan(0);
      expect(chat.usage!.completion_tokens).toBeLessThanOrEqual(12);
      expect(chat.usage!.total_tokens).toBe(chat.usage!.prompt_tokens + chat.usage!.completion_tokens);
      expect((chat.usage as unknown as { noos_charged: string }).noos_charged).toBe(formatEther(net.price));
      expect(calls()).toBe(before + 1);
    });

    it("streams a chat as server-sent events exactly as OpenAI sends them, same text as without streaming", async () => {
      const request = {
        model: MODEL,
        messages: [{ role: "user" as const, content: "Tell me of the white whale." }],
        max_tokens: 16,
        temperature: 0,
      };
      const whole = await openai.chat.completions.create(request);
      const stream = await openai.chat.completions.create({
        ...request,
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      const ids = new Set(chunks.map((c) => c.id));
      expect(ids.size).toBe(1);
      expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
      expect(chunks[0]!.choices[0]!.delta).toEqual({ role: "assistant", content: "" });
      const finish = chunks[chunks.length - 2]!;
      expect(finish.choices[0]).toMatchObject({ delta: {}, finish_reason: whole.choices[0]!.finish_reason });
      const last = chunks[chunks.length - 1]!;
      expect(last.choices).toEqual([]);
      expect(last.usage).toMatchObject({
        prompt_tokens: whole.usage!.prompt_tokens,
        completion_tokens: whole.usage!.completion_tokens,
        noos_charged: formatEther(net.price),
      });
      expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
      const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
      expect(text).toBe(whole.choices[0]!.message.content);
      expect(text.length).toBeGreaterThan(0);
    });

    it("streams without usage unless asked, and ends with [DONE]", async () => {
      const res = await fetch(`${baseURL}/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({
          model: MODEL,
          messages: [{ role: "user", content: "Ahoy" }],
          max_tokens: 4,
          stream: true,
        }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const body = await res.text();
      const events = body.split("\n\n").filter((e) => e.length > 0);
      expect(events.every((e) => e.startsWith("data: "))).toBe(true);
      expect(events[events.length - 1]).toBe("data: [DONE]");
      const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)) as Record<string, unknown>);
      expect(chunks.every((c) => !("usage" in c))).toBe(true);
    });

    it("reports each key's usage, Prometheus metrics, health and Server-Timing", async () => {
      const res = await inject("/v1/completions", { model: MODEL, prompt: "Call me", max_tokens: 2 });
      expect(res.headers["server-timing"]).toMatch(/^gateway;dur=[\d.]+, miner;dur=[\d.]+$/);
      const usage = await app.inject({
        method: "GET",
        url: "/v1/usage",
        headers: { authorization: `Bearer ${apiKey}` },
      });
      expect(usage.json()).toMatchObject({ object: "usage", requests: expect.any(Number) });
      expect(BigInt(usage.json().noos_charged)).toBe(BigInt(usage.json().requests) * net.price);
      const metrics = await app.inject({ method: "GET", url: "/metrics" });
      expect(metrics.body).toMatch(
        /noos_gateway_requests_total\{[^}]*route="\/v1\/completions"[^}]*status="200"[^}]*\} \d+/,
      );
      expect(metrics.body).toMatch(new RegExp(`noos_gateway_live_miners\\{[^}]*netuid="${net.netuid}"[^}]*\\} 2`));
      const health = await app.inject({ method: "GET", url: "/health" });
      expect(health.json()).toMatchObject({
        status: "ok",
        chainId: net.chainId,
        client: net.client.address,
        redis: "ok",
        miners: { live: 3, known: 3 },
        models: [`sn${net.netuid}/${MODEL}:batch`, `sn${net.ocr!.netuid}/ppocr-v4:batch`],
      });
    });

    it("serves /v1/completions, streaming and not", async () => {
      const request = { model: MODEL, prompt: "Call me Ishmael. Some years ago", max_tokens: 10, temperature: 0 };
      const whole = await openai.completions.create(request);
      expect(whole).toMatchObject({ object: "text_completion", model: `sn${net.netuid}/${MODEL}:batch` });
      expect(whole.id).toMatch(/^cmpl-/);
      expect(whole.choices[0]).toMatchObject({ index: 0, logprobs: null });
      const stream = await openai.completions.create({ ...request, stream: true });
      let text = "";
      let finish: string | null = null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.text ?? "";
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      expect(text).toBe(whole.choices[0]!.text);
      expect(finish).toBe(whole.choices[0]!.finish_reason);
    });
  });

  describe("OCR", () => {
    const image = () => renderTextImage({ lines: ["NOOSPHERE GATEWAY"], seed: 3 }).png;
    const ocrCalls = () => net.ocr!.miner.calls;

    it("reads an image sent as base64 JSON, a data: URL or raw PNG bytes, and charges the OCR price", async () => {
      const png = image();
      const viaJson = await inject("/v1/ocr", { image: png.toString("base64") });
      expect(viaJson.statusCode).toBe(200);
      expect(viaJson.json()).toMatchObject({
        object: "ocr.result",
        model: `sn${net.ocr!.netuid}/ppocr-v4:batch`,
        text: "NOOSPHERE GATEWAY",
        usage: { lines: 1, noos_charged: formatEther(net.ocr!.price) },
      });
      expect(viaJson.json().id).toMatch(/^ocr-/);
      expect(viaJson.json().lines[0]).toMatchObject({ text: "NOOSPHERE GATEWAY", box: expect.any(Array) });
      const viaDataUrl = await inject("/v1/ocr", {
        model: "ppocr-v4",
        image: `data:image/png;base64,${png.toString("base64")}`,
      });
      expect(viaDataUrl.json().text).toBe("NOOSPHERE GATEWAY");
      const raw = await app.inject({
        method: "POST",
        url: "/v1/ocr",
        payload: png,
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "image/png" },
      });
      expect(raw.statusCode).toBe(200);
      expect(raw.json().text).toBe("NOOSPHERE GATEWAY");
      expect(raw.headers["x-noos-miner"]).toBe(net.ocr!.miner.hotkey.address);
    });

    it("refuses an image over the limit with 413 before calling a miner, and models of the other task with 400", async () => {
      const before = ocrCalls();
      const huge = await inject("/v1/ocr", { image: Buffer.alloc(4 * 1024 * 1024 + 1).toString("base64") });
      expect(huge.statusCode).toBe(413);
      expect(huge.json().error).toMatchObject({ code: "image_too_large", param: "image" });
      const wrongTask = await inject("/v1/ocr", { model: MODEL, image: image().toString("base64") });
      expect(wrongTask.statusCode).toBe(400);
      expect(wrongTask.json().error.message).toContain("/v1/chat/completions");
      const chatWithOcr = await inject("/v1/chat/completions", {
        model: `sn${net.ocr!.netuid}/ppocr-v4:batch`,
        messages: [{ role: "user", content: "hi" }],
      });
      expect(chatWithOcr.statusCode).toBe(400);
      expect(chatWithOcr.json().error.message).toContain("/v1/ocr");
      expect(ocrCalls()).toBe(before);
    });

    it("relays the miner's 400 for something that is not an image, and charges nothing", async () => {
      const slot = { miner: net.ocr!.miner.hotkey.address, netuid: net.ocr!.netuid, tier: net.tier };
      const before = await gw.ledger.state(slot);
      const res = await inject("/v1/ocr", { image: Buffer.from("not an image at all").toString("base64") });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({
        type: "invalid_request_error",
        message: expect.stringContaining("PNG or JPEG"),
      });
      expect(await gw.ledger.state(slot)).toEqual(before);
    });
  });

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
        random = 0; // picks the lowest uid first: the stopped miner
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
        random = 0;
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
        // A deposit is seen at the next refusal's snapshot, without a restart (a miner whose cached
        // escrow is older is passed over for one that reads it afresh).
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

  it("routes by on-chain incentive: each miner's last-epoch emission relative to the subnet's best", async () => {
    const registry = net.registry.connect(net.admin);
    await (await registry.grantRole(await registry.EPOCH_ROLE(), await net.admin.getAddress())).wait();
    const [a, b] = net.miners as [TestNetwork["miners"][0], TestNetwork["miners"][0]];
    await (await registry.recordEmission(net.netuid, [a.uid, b.uid], [parseEther("3"), parseEther("1")])).wait();
    await gw.directory.refresh();
    const incentive = (m: typeof a) => gw.directory.miners().find((e) => e.hotkey === m.hotkey.address)?.incentive;
    expect(incentive(a)).toBe(1);
    expect(incentive(b)).toBeCloseTo(1 / 3, 6);
    const route = gw.directory.resolve(MODEL)!;
    const [wa, wb] = new Router(new Scoreboard()).weights(route.miners);
    expect(wa! / wb!).toBeCloseTo(1.1 / (0.1 + 1 / 3), 4);
    expect(await consensusIncentives(net.provider, undefined)).toBeUndefined();
    expect(await consensusIncentives(net.provider, await net.token.getAddress())).toBeDefined();
  });

  it("charges exactly one price per answer under concurrent requests", async () => {
    let seed = 7;
    random = () => (seed = (seed * 16807) % 2147483647) / 2147483647; // spread over both miners
    const heldSum = () =>
      net.miners.reduce((sum, m) => {
        const own = m.book
          .unredeemed()
          .find((h) => h.voucher.client.toLowerCase() === net.client.address.toLowerCase());
        return sum + (own?.voucher.cumulativeAmount ?? 0n);
      }, 0n);
    const signedBefore = (await gw.ledger.summary()).outstanding;
    const heldBefore = heldSum();
    let answered = 0;
    for (let round = 0; round < 3; round++) {
      const replies = await Promise.all(
        Array.from({ length: 12 }, () => inject("/v1/completions", { model: MODEL, prompt: "Call me", max_tokens: 3 })),
      );
      answered += replies.filter((r) => r.statusCode === 200).length;
    }
    expect(answered).toBe(36);
    expect((await gw.ledger.summary()).outstanding - signedBefore).toBe(36n * net.price);
    expect(heldSum() - heldBefore).toBe(36n * net.price);
    random = 0;
  });

  // Two gateways, or requests on different connections, deliver vouchers out of order: a miner
  // admits by debt (the highest voucher must pay for all the work admitted), so a voucher that
  // arrives after a higher one is served, and the client is charged once per request.
  it("has miners accept a voucher that arrives after a higher one already paid for it", async () => {
    // Vouchers 1p and 2p signed in order, delivered 2p then 1p.
    const client = await net.fundedWallet(parseEther("10"));
    const billingAddress = await net.billing.getAddress();
    await (await net.token.connect(client).approve(billingAddress, parseEther("10"))).wait();
    await (await net.billing.connect(client).deposit(parseEther("1"))).wait();
    const miner = net.miners[0]!;
    const body = JSON.stringify({ prompt: "Call me", max_tokens: 2 });
    const wire = wireDomain(net.chainId, await net.registry.getAddress());
    const send = async (amount: bigint) => {
      const voucher = {
        client: client.address,
        miner: miner.hotkey.address,
        netuid: net.netuid,
        tier: net.tier,
        model: net.modelHash,
        cumulativeAmount: amount,
      };
      const signature = await signVoucher(client, voucherDomain(net.chainId, billingAddress), voucher);
      const { headers } = await signRequest(client, wire, { miner: miner.hotkey.address, netuid: net.netuid, body });
      return fetch(`${miner.url}/v1/infer`, {
        method: "POST",
        headers: {
          ...headers,
          [HEADERS.voucher]: encodeVoucherHeader(voucher, signature),
          "content-type": "application/json",
        },
        body,
      });
    };
    expect((await send(2n * net.price)).status).toBe(200);
    expect((await send(net.price)).status).toBe(200);
    const third = await send(2n * net.price); // a third answer needs 3p
    expect(third.status).toBe(403);
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe("voucher-too-low");
    expect((await send(3n * net.price)).status).toBe(200);
  });

  it("lets each miner redeem: the chain burns exactly what the vouchers say and mints the governed share", async () => {
    const billing = net.billing;
    const vouchers = [...net.miners, net.ocr!.miner].flatMap((m) =>
      m.book
        .unredeemed()
        .filter((h) => h.voucher.client.toLowerCase() === net.client.address.toLowerCase())
        .map((h) => ({ m, h })),
    );
    expect(vouchers.map(({ h }) => h.voucher.netuid)).toEqual([net.netuid, net.netuid, net.ocr!.netuid]);
    const owed = vouchers.reduce((sum, { h }) => sum + h.voucher.cumulativeAmount, 0n);
    // Every answered request of this client added exactly one price to one miner's voucher.
    for (const { h } of vouchers) expect(h.voucher.cumulativeAmount % net.price).toBe(0n);
    expect(owed).toBe((await gw.ledger.summary()).outstanding);
    const mine = (await gw.apiKeys.list()).filter((k) => k.name !== "poor");
    const usage = await Promise.all(mine.map((k) => gw.usage.get(k.id)));
    expect(usage.reduce((sum, u) => sum + u.charged, 0n)).toBe(owed);
    const [escrowBefore] = await billing.escrowOf(net.client.address);
    const supplyBefore = await net.token.totalSupply();
    const mintRatio = await billing.mintRatio();
    const treasuryBps = BigInt(await billing.treasuryBps());
    const royaltyBps = 500n;
    let minedMiner = 0n;
    let minedRoyalty = 0n;
    let minedTreasury = 0n;
    for (const { m, h } of vouchers) {
      const balance = await net.token.balanceOf(m.hotkey.address);
      await (await billing.connect(m.hotkey).redeemAndClaim(h.voucher, h.signature)).wait();
      const paid = h.voucher.cumulativeAmount;
      const minted = (paid * mintRatio) / 10n ** 18n;
      const treasury = (minted * treasuryBps) / 10_000n;
      // The OCR model is not in the model registry: its royalty share goes to the miner.
      const royalty = h.voucher.model === net.modelHash ? (minted * royaltyBps) / 10_000n : 0n;
      expect((await net.token.balanceOf(m.hotkey.address)) - balance).toBe(minted - treasury - royalty);
      minedMiner += minted - treasury - royalty;
      minedRoyalty += royalty;
      minedTreasury += treasury;
      expect(await billing.redeemed(net.client.address, m.hotkey.address, h.voucher.netuid, net.tier)).toBe(paid);
    }
    const [escrowAfter] = await billing.escrowOf(net.client.address);
    expect(escrowBefore - escrowAfter).toBe(owed);
    const royalty = await billing.royaltyInfo(net.modelHash);
    expect([royalty.owner, royalty.accrued]).toEqual([net.modelOwner.address, minedRoyalty]);
    await (await billing.claimTreasury()).wait();
    await (await billing.connect(net.modelOwner).claimRoyalties([net.modelHash], net.modelOwner.address)).wait();
    expect(await net.token.balanceOf(net.modelOwner.address)).toBe(minedRoyalty);
    const [burned, minted] = await billing.totals();
    expect([burned, minted]).toEqual([owed, minedMiner + minedRoyalty + minedTreasury]);
    expect(await net.token.totalSupply()).toBe(supplyBefore - owed + minedMiner + minedRoyalty + minedTreasury);
    expect(await net.token.balanceOf(net.treasury)).toBe(minedTreasury);
    // The gateway sees the redemptions at its next snapshot: nothing outstanding, room unchanged.
    const { available } = await gw.account.status();
    await gw.account.snapshot();
    expect(await gw.account.status()).toMatchObject({ outstanding: 0n, available });
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
    random = 0;
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
});
