/**
 * The gateway end to end: the official `openai` client (only baseURL and key changed) against the
 * gateway, real miners (buildMinerApp over the built-in noos-tiny ONNX model) and a real chain
 * (Hardhat node, contracts deployed with the project's deploy helpers), with state in real Redis:
 * answers, streams, OCR, routing, charges, redemption on-chain. Refusals: gateway.errors.test.ts.
 */
import type { FastifyInstance } from "fastify";
import OpenAI from "openai";
import { formatEther, parseEther } from "ethers";
import { renderTextImage } from "@noosphere/inference";
import { HEADERS, encodeVoucherHeader, signRequest, signVoucher, voucherDomain, wireDomain } from "@noosphere/protocol";
import { consensusIncentives } from "../src/chain/consensus-incentives";
import { Router } from "../src/routing/router";
import { Scoreboard } from "../src/routing/scoreboard";
import type { GatewayRuntime } from "../src/services";
import type { TokenizerRegistry } from "../src/tokens";
import { startGatewayFixture } from "../src/testing/gateway-fixture";
import type { GatewayFixture } from "../src/testing/gateway-fixture";
import type { TestNetwork } from "../src/testing/network";

jest.setTimeout(120_000);

const MODEL = "noos-tiny";

describe("gateway", () => {
  let fx: GatewayFixture;
  let net: TestNetwork;
  let tokens: TokenizerRegistry;
  let gw: GatewayRuntime;
  let app: FastifyInstance;
  let baseURL: string;
  let apiKey: string;
  let openai: OpenAI;

  beforeAll(async () => {
    fx = await startGatewayFixture();
    ({ net, tokens, gw, app, baseURL, apiKey, openai } = fx);
  });

  afterAll(async () => {
    await fx?.close();
  });

  const calls = () => fx.calls();
  const inject = (url: string, body: unknown, key?: string) => fx.inject(url, body, key);

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

    // Issue 13: a temperature without a seed failed on every miner (503 after the client's retries).
    it("samples with a temperature and no seed, streaming and not", async () => {
      const request = {
        model: MODEL,
        messages: [{ role: "user" as const, content: "Ahoy" }],
        max_tokens: 8,
        temperature: 0.8,
      };
      // (The trigram may sample its end token at once: the answer is then empty, but it is an answer.)
      const whole = await openai.chat.completions.create(request);
      expect(["stop", "length"]).toContain(whole.choices[0]!.finish_reason);
      expect(whole.usage!.completion_tokens).toBeGreaterThan(0);
      const stream = await openai.chat.completions.create({
        ...request,
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(chunks.at(-1)!.usage!.completion_tokens).toBeGreaterThan(0);
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
    fx.random = () => (seed = (seed * 16807) % 2147483647) / 2147483647; // spread over both miners
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
    fx.random = 0;
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
    await (await net.billing.connect(client).allot(client.address, miner.hotkey.address, parseEther("1"))).wait();
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
    // No call failed after a later one passed it: every voucher is worth what it says.
    for (const { h } of vouchers) expect(h.upTo).toBe(h.voucher.cumulativeAmount);
    const allotted = () =>
      Promise.all(vouchers.map(async ({ m }) => (await billing.allotmentOf(net.client.address, m.hotkey.address))[0]));
    const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);
    // Every answered request of this client added exactly one price to one miner's voucher.
    for (const { h } of vouchers) expect(h.voucher.cumulativeAmount % net.price).toBe(0n);
    expect(owed).toBe((await gw.ledger.summary()).outstanding);
    const mine = (await gw.apiKeys.list()).filter((k) => k.name !== "poor");
    const usage = await Promise.all(mine.map((k) => gw.usage.get(k.id)));
    expect(usage.reduce((sum, u) => sum + u.charged, 0n)).toBe(owed);
    const escrowBefore = sum(await allotted());
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
    expect(escrowBefore - sum(await allotted())).toBe(owed);
    const royalty = await billing.royaltyInfo(net.modelHash);
    expect([royalty.owner, royalty.accrued]).toEqual([net.modelOwner.address, minedRoyalty]);
    await (await billing.claimTreasury()).wait();
    await (await billing.connect(net.modelOwner).claimRoyalties([net.modelHash], net.modelOwner.address)).wait();
    expect(await net.token.balanceOf(net.modelOwner.address)).toBe(minedRoyalty);
    const [burned, minted] = await billing.totals();
    expect([burned, minted]).toEqual([owed, minedMiner + minedRoyalty + minedTreasury]);
    expect(await net.token.totalSupply()).toBe(supplyBefore - owed + minedMiner + minedRoyalty + minedTreasury);
    expect(await net.token.balanceOf(net.treasury)).toBe(minedTreasury);
    // The gateway sees the redemptions at its next snapshot: nothing outstanding, room unchanged
    // (each allotment fell by what its miner redeemed).
    const { available } = await gw.account.status();
    await gw.account.snapshot();
    expect(await gw.account.status()).toMatchObject({ outstanding: 0n, available });
  });
});
