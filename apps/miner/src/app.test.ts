import { HEADERS, outputHash, recoverResponseSigner, requestHash } from "@noosphere/protocol";
import type { ContractChainView } from "./billing/chain-view";
import type { VoucherBook } from "./billing/voucher-book";
import { infer, parseSse, send, signCall } from "./testing/client";
import type { MinerTarget } from "./testing/client";
import { PROMPT, TEXT, TIER_BATCH, errorOf, startMinerApp } from "./testing/miner-app";
import type { CountingTask, MinerAppFixture } from "./testing/miner-app";
import { LIMITS, PRICE } from "./testing/network";
import type { TestNetwork } from "./testing/network";

jest.setTimeout(120_000);

/** Input limits, streaming, the bounded queue, health and metrics (callers are checked in app.auth.test.ts). */
describe("miner HTTP API (real chain, real model, real HTTP)", () => {
  let fx: MinerAppFixture;
  let net: TestNetwork;
  let task: CountingTask;
  let book: VoucherBook;
  let target: MinerTarget;
  let chain: ContractChainView;

  beforeAll(async () => {
    fx = await startMinerApp();
    ({ net, task, book, target, chain } = fx);
  });

  afterAll(async () => {
    await fx?.close();
  });

  describe("input (400, 413)", () => {
    it("refuses malformed JSON with 400", async () => {
      const call = await signCall(net.accounts.validator, target, "{not json");
      expect(await errorOf(await send(target, call))).toEqual({ status: 400, code: "malformed-json" });
    });

    it.each([
      ["an array", []],
      ["no prompt", { max_tokens: 4 }],
      ["an empty prompt", { prompt: "" }],
      ["a string max_tokens", { prompt: "a", max_tokens: "4" }],
      ["a fractional max_tokens", { prompt: "a", max_tokens: 1.5 }],
      ["temperature out of range", { prompt: "a", temperature: 3 }],
      ["too many stop strings", { prompt: "a", stop: ["a", "b", "c", "d", "e"] }],
      ["a non-boolean stream", { prompt: "a", stream: "yes" }],
    ])("refuses %s with 400", async (_name, body) => {
      const res = await infer(net.accounts.validator, target, body);
      expect(await errorOf(res)).toEqual({ status: 400, code: "invalid-request" });
    });

    it("refuses an empty body with 400", async () => {
      const res = await infer(net.accounts.validator, target, "");
      expect(await errorOf(res)).toEqual({ status: 400, code: "empty-body" });
    });

    it("refuses a non-JSON content type with 415", async () => {
      const res = await infer(net.accounts.validator, target, PROMPT, { headers: { "content-type": "text/plain" } });
      expect(res.status).toBe(415);
    });

    it("refuses more output tokens than the subnet allows with 413", async () => {
      const res = await infer(net.accounts.validator, target, { prompt: "a", max_tokens: LIMITS.maxOutputTokens + 1 });
      expect(await errorOf(res)).toEqual({ status: 413, code: "output-limit" });
    });

    it("refuses a prompt over the subnet's input token limit with 413", async () => {
      const prompt = "the whale ".repeat(LIMITS.maxInputTokens);
      const res = await infer(net.accounts.validator, target, { prompt, max_tokens: 4 });
      expect(await errorOf(res)).toEqual({ status: 413, code: "input-limit" });
    });

    it("refuses a body over the byte limit with 413 before reading it all", async () => {
      const res = await infer(net.accounts.validator, target, { prompt: "a".repeat(20 * 1024) });
      expect(await errorOf(res)).toEqual({ status: 413, code: "body-too-large" });
    });

    it("answers 404 as JSON for unknown routes", async () => {
      const res = await fetch(`${target.url}/v1/nope`);
      expect(await errorOf(res)).toEqual({ status: 404, code: "not-found" });
    });
  });

  describe("streaming", () => {
    it("streams deltas as server-sent events and ends with the signed answer", async () => {
      const call = await signCall(net.accounts.validator, target, { prompt: TEXT, max_tokens: 24, stream: true });
      const res = await send(target, call);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/event-stream");
      const events = parseSse(await res.text());
      const deltas = events
        .filter((e) => e.event === "message")
        .map((e) => (JSON.parse(e.data) as { delta: string }).delta);
      const done = events.find((e) => e.event === "done");
      expect(deltas.length).toBeGreaterThan(1);
      expect(done).toBeDefined();
      const answer = JSON.parse(done!.data) as {
        output: { text: string; usage: { completionTokens: number } };
        requestHash: string;
        outputHash: string;
        signature: string;
      };
      expect(deltas.join("")).toBe(answer.output.text);
      expect(answer.requestHash).toBe(requestHash(target.wireDomain, call.request));
      expect(answer.outputHash).toBe(outputHash(JSON.stringify(answer.output)));
      expect(recoverResponseSigner(target.wireDomain, { ...answer, owed: 0n }, answer.signature)).toBe(
        net.accounts.miner.address,
      );
    });

    it("refuses a streamed prompt over the input token limit with a 413 (not a failed stream) and gives the voucher back", async () => {
      const { client } = net.accounts;
      const amount = book.cumulativeOf(client.address) + PRICE;
      const prompt = "the whale ".repeat(LIMITS.maxInputTokens);
      const res = await infer(
        client,
        target,
        { prompt, max_tokens: 4, stream: true },
        { voucher: { client: client.address, cumulativeAmount: amount } },
      );
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await errorOf(res)).toEqual({ status: 413, code: "input-limit" });
      expect(book.cumulativeOf(client.address)).toBe(amount - PRICE);
    });

    it("gives the same text streamed or not (greedy decoding)", async () => {
      const body = { prompt: "It was the best of times", max_tokens: 16 };
      const plain = (await (await infer(net.accounts.validator, target, body)).json()) as { output: { text: string } };
      const streamed = parseSse(await (await infer(net.accounts.validator, target, { ...body, stream: true })).text());
      const done = JSON.parse(streamed.find((e) => e.event === "done")!.data) as { output: { text: string } };
      expect(done.output.text).toBe(plain.output.text);
    });
  });

  describe("concurrency (429)", () => {
    it("lets refused callers leave the queue at once, and undoes a paying caller's debt on a 429", async () => {
      let open!: () => void;
      task.gate = new Promise<void>((resolve) => (open = resolve));
      const { validator, client } = net.accounts;
      try {
        const long = infer(validator, target, PROMPT);
        while (task.running === 0) await new Promise((r) => setTimeout(r, 5));
        // Forged requests wait behind the long one; their refusals come now, not after it.
        for (let i = 0; i < 3; i++) {
          const forged = await signCall(net.accounts.stranger, target, PROMPT, {
            headers: { [HEADERS.caller]: validator.address },
          });
          expect(await errorOf(await send(target, forged))).toEqual({ status: 401, code: "bad-signature" });
        }
        // They left no place taken: two callers queue (maxQueued 2), the next one is refused.
        const queued = [infer(validator, target, PROMPT), infer(validator, target, PROMPT)];
        while (((await (await fetch(`${target.url}/health`)).json()) as { queue: { depth: number } }).queue.depth < 2)
          await new Promise((r) => setTimeout(r, 5));
        const amount = book.cumulativeOf(client.address) + PRICE;
        const debt = book.debtOf(client.address);
        for (const stream of [false, true]) {
          const refused = await infer(
            client,
            target,
            { ...PROMPT, stream },
            { voucher: { client: client.address, cumulativeAmount: amount } },
          );
          expect(await errorOf(refused)).toEqual({ status: 429, code: "overloaded" });
          expect(book.debtOf(client.address)).toBe(debt);
          expect(book.cumulativeOf(client.address)).toBe(amount - PRICE);
        }
        open();
        for (const res of [await long, ...(await Promise.all(queued))]) expect(res.status).toBe(200);
      } finally {
        task.gate = undefined;
        open();
      }
    });

    it("runs one request at a time, queues two, and refuses the rest with 429 and Retry-After", async () => {
      task.maxRunning = 0;
      const body = { prompt: TEXT, max_tokens: LIMITS.maxOutputTokens };
      const calls = await Promise.all(Array.from({ length: 12 }, () => signCall(net.accounts.validator, target, body)));
      const responses = await Promise.all(calls.map((c) => send(target, c)));
      const statuses = responses.map((r) => r.status);
      const refused = responses.filter((r) => r.status === 429);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(3);
      expect(refused.length).toBeGreaterThan(0);
      expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
      for (const r of refused) {
        expect(r.headers.get("retry-after")).toBe("1");
        expect(((await r.json()) as { error: { code: string } }).error.code).toBe("overloaded");
      }
      expect(task.maxRunning).toBe(1);
    });
  });

  describe("health and metrics", () => {
    it("/health names the model, provider, uptime, queue and what is owed", async () => {
      const { client } = net.accounts;
      const amount = book.cumulativeOf(client.address) + PRICE;
      const paid = await infer(client, target, PROMPT, {
        voucher: { client: client.address, cumulativeAmount: amount },
      });
      expect(paid.status).toBe(200);
      const res = await fetch(`${target.url}/health`);
      expect(res.status).toBe(200);
      const health = (await res.json()) as Record<string, unknown>;
      expect(health).toMatchObject({
        status: "ok",
        task: "text-generation",
        model: "noos-tiny",
        modelHash: task.modelHash,
        provider: "cpu",
        netuid: net.netuid,
        tier: TIER_BATCH,
        hotkey: net.accounts.miner.address,
        queue: { depth: 0, inFlight: 0, concurrency: 1, maxQueued: 2 },
      });
      expect(typeof health.uptimeSeconds).toBe("number");
      expect(BigInt(health.unredeemed as string)).toBeGreaterThan(0n);
    });

    it("/metrics exposes requests by status, latency, tokens/s and queue depth", async () => {
      // This file's earlier tests answered (200) and refused with 429; one 401 and one 403 here.
      const unsigned = await signCall(net.accounts.validator, target, PROMPT, {
        headers: { [HEADERS.signature]: undefined },
      });
      expect((await send(target, unsigned)).status).toBe(401);
      expect((await infer(net.accounts.stranger, target, PROMPT)).status).toBe(403);
      const res = await fetch(`${target.url}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toMatch(/noos_miner_requests_total\{route="\/v1\/infer",status="200",service="miner-test"\} \d+/);
      expect(text).toMatch(/noos_miner_requests_total\{route="\/v1\/infer",status="401",service="miner-test"\} \d+/);
      expect(text).toMatch(/noos_miner_requests_total\{route="\/v1\/infer",status="403",service="miner-test"\} \d+/);
      expect(text).toMatch(/noos_miner_requests_total\{route="\/v1\/infer",status="429",service="miner-test"\} \d+/);
      expect(text).toMatch(/noos_miner_request_seconds_bucket\{[^}]*le="0.1"[^}]*task="text-generation"[^}]*\} \d+/);
      expect(text).toMatch(/noos_miner_tokens_per_second\{task="text-generation",service="miner-test"\} [\d.e+]+/);
      expect(text).toMatch(/noos_miner_tokens_total\{task="text-generation",service="miner-test"\} \d+/);
      expect(text).toMatch(/noos_miner_queue_depth\{service="miner-test"\} 0/);
      expect(text).toMatch(/noos_miner_owed_noos_total\{service="miner-test"\} [\d.e-]+/);
    });

    it("counts streamed answers once", async () => {
      const count = async () => {
        const text = await (await fetch(`${target.url}/metrics`)).text();
        return Number(
          /noos_miner_requests_total\{route="\/v1\/infer",status="200",service="miner-test"\} (\d+)/.exec(text)?.[1],
        );
      };
      const before = await count();
      await (await infer(net.accounts.validator, target, { ...PROMPT, stream: true })).text();
      expect(await count()).toBe(before + 1);
    });
  });

  it("reads the chain once per cache period, not once per request", async () => {
    chain.clear();
    const reads = chain.reads;
    for (let i = 0; i < 3; i++) expect((await infer(net.accounts.validator, target, PROMPT)).status).toBe(200);
    const { client } = net.accounts;
    for (let i = 0; i < 3; i++) {
      const amount = book.cumulativeOf(client.address) + PRICE;
      expect(
        (await infer(client, target, PROMPT, { voucher: { client: client.address, cumulativeAmount: amount } })).status,
      ).toBe(200);
    }
    // permits: neurons + validatorPermits; client: price, redeemed, escrow; limits: 1.
    expect(chain.reads - reads).toBe(6);
  });
});
