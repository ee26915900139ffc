import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { Wallet } from "ethers";
import { builtinModelPath, loadTextGenerationModel } from "@noosphere/inference";
import { createRegistry, silentLogger } from "@noosphere/node-kit";
import {
  HEADERS,
  outputHash,
  recoverResponseSigner,
  requestHash,
  voucherDomain,
  wireDomain,
} from "@noosphere/protocol";
import { buildMinerApp } from "./app";
import { ContractChainView } from "./billing/chain-view";
import { VoucherBook } from "./billing/voucher-book";
import { createMinerMetrics } from "./metrics";
import type { MinerMetrics } from "./metrics";
import type { TaskHandler } from "./tasks/task";
import { TextGenerationTask } from "./tasks/text-generation";
import { infer, parseSse, send, signCall } from "./testing/client";
import type { MinerTarget } from "./testing/client";
import { startHardhatNode } from "./testing/hardhat-node";
import type { HardhatNode } from "./testing/hardhat-node";
import { LIMITS, PRICE, deployNetwork } from "./testing/network";
import type { TestNetwork } from "./testing/network";
import { registerNeuron } from "../../../scripts/deploy/subnets";

jest.setTimeout(120_000);

const TIER_BATCH = 1;
/** noos-tiny (a trigram model of Moby-Dick) runs on for the whole max_tokens after this prompt. */
const TEXT = "Call me Ishmael. Some years ago";
const PROMPT = { prompt: TEXT, max_tokens: 8 };

/** The real task, counting its runs, how many overlap (the concurrency limit) and how many were aborted. */
class CountingTask implements TaskHandler {
  running = 0;
  maxRunning = 0;
  runs = 0;
  aborted = 0;
  /** Set to serve as a task that is not speculative (as OCR is). */
  speculativeOverride: boolean | undefined;
  /** While set, a run holds its slot here before the model starts (a long request, made exact). */
  gate: Promise<void> | undefined;
  constructor(private readonly inner: TaskHandler) {}
  get speculative() {
    return this.speculativeOverride ?? this.inner.speculative;
  }
  get taskId() {
    return this.inner.taskId;
  }
  get modelName() {
    return this.inner.modelName;
  }
  get modelHash() {
    return this.inner.modelHash;
  }
  get provider() {
    return this.inner.provider;
  }
  parse: TaskHandler["parse"] = (body, limits) => this.inner.parse(body, limits);
  wantsStream: TaskHandler["wantsStream"] = (input) => this.inner.wantsStream?.(input) ?? false;
  stream: TaskHandler["stream"] = (input, signal) => this.inner.stream!(input, signal);
  async run(input: unknown, signal: AbortSignal) {
    this.runs++;
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      await this.gate;
      return await this.inner.run(input, signal);
    } catch (err) {
      if (signal.aborted) this.aborted++;
      throw err;
    } finally {
      this.running--;
    }
  }
  close() {
    return this.inner.close();
  }
}

describe("miner HTTP API (real chain, real model, real HTTP)", () => {
  let node: HardhatNode;
  let net: TestNetwork;
  let app: FastifyInstance;
  let task: CountingTask;
  let book: VoucherBook;
  let metrics: MinerMetrics;
  let target: MinerTarget;
  let chain: ContractChainView;

  beforeAll(async () => {
    node = await startHardhatNode();
    const model = await loadTextGenerationModel(builtinModelPath("noos-tiny"));
    task = new CountingTask(new TextGenerationTask(model));
    net = await deployNetwork(node, { modelHash: task.modelHash });
    const { miner } = net.accounts;
    await registerNeuron(net.subnets, miner, net.netuid, miner.address);
    book = new VoucherBook();
    metrics = createMinerMetrics(createRegistry("miner-test", false));
    chain = new ContractChainView({
      subnets: net.subnets,
      billing: net.billing,
      netuid: net.netuid,
      tier: TIER_BATCH,
      miner: miner.address,
    });
    const wire = wireDomain(net.chainId, net.deployment.contracts.subnets);
    const vouchers = voucherDomain(net.chainId, net.deployment.contracts.billing);
    app = buildMinerApp({
      task,
      hotkey: miner,
      netuid: net.netuid,
      tier: TIER_BATCH,
      wireDomain: wire,
      voucherDomain: vouchers,
      chain,
      book,
      concurrency: 1,
      maxQueued: 2,
      bodyLimit: 16 * 1024,
      logger: silentLogger(),
      metrics,
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const { port } = app.server.address() as AddressInfo;
    target = {
      url: `http://127.0.0.1:${port}`,
      miner: miner.address,
      netuid: net.netuid,
      wireDomain: wire,
      voucherDomain: vouchers,
      tier: TIER_BATCH,
      model: task.modelHash,
    };
  });

  afterAll(async () => {
    await app?.close();
    await node?.stop();
  });

  async function errorOf(res: Response): Promise<{ status: number; code: string }> {
    const body = (await res.json()) as { error: { code: string } };
    return { status: res.status, code: body.error.code };
  }

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
      const stranger = await infer(net.accounts.stranger, target, { prompt: TEXT, max_tokens: LIMITS.maxOutputTokens });
      expect(await errorOf(stranger)).toEqual({ status: 403, code: "not-authorized" });
      expect(task.aborted).toBe(aborted + 2);
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
    it("/health names the model, provider, uptime and queue", async () => {
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
