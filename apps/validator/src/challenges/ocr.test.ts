import type { AddressInfo } from "node:net";
import { Wallet } from "ethers";
import { createOcrPipeline } from "@noosphere/inference";
import type { OcrPipeline } from "@noosphere/inference";
import { buildMinerApp, OcrTask, VoucherBook } from "@noosphere/miner";
import { silentLogger } from "@noosphere/node-kit";
import { voucherDomain, wireDomain } from "@noosphere/protocol";
import { probeMiner } from "../probe/client";
import { OcrChallenges } from "./ocr";

describe("OcrChallenges", () => {
  const task = new OcrChallenges();
  let pipeline: OcrPipeline;

  beforeAll(async () => {
    pipeline = await createOcrPipeline({ device: "cpu", logger: silentLogger() });
  });
  afterAll(() => pipeline.close());

  it("renders random text to a PNG and keeps the text as the answer", async () => {
    const a = await task.create(1);
    const b = await task.create(1);
    const image = Buffer.from((a.body as { image: string }).image, "base64");
    expect(image.subarray(0, 4)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    expect((a.expected as { text: string }).text).toMatch(/^[A-Za-z2-9 ]{7,}$/);
    expect((a.expected as { text: string }).text).not.toBe((b.expected as { text: string }).text);
  });

  it("grades 1 - CER of the lines read, 0 for anything that is not lines of text", async () => {
    const c = await task.create(2);
    const text = (c.expected as { text: string }).text;
    expect(task.grade(c.expected, { lines: [{ text }] })).toBe(1);
    const words = text.split(" ");
    expect(task.grade(c.expected, { lines: words.map((w) => ({ text: w })) })).toBe(1);
    const typo = task.grade(c.expected, { lines: [{ text: text.slice(0, -2) + "##" }] });
    expect(typo).toBeCloseTo(1 - 2 / text.length, 10);
    expect(task.grade(c.expected, { lines: [{ text: "x".repeat(text.length * 3) }] })).toBe(0);
    for (const junk of [null, { lines: "abc" }, { lines: [{ text: 1 }] }, [text]])
      expect(task.grade(c.expected, junk)).toBe(0);
  });

  it("is read back by the real PP-OCR pipeline served by the miner app, through a signed probe", async () => {
    const minerKey = new Wallet(Wallet.createRandom().privateKey);
    const validator = new Wallet(Wallet.createRandom().privateKey);
    const domain = wireDomain(31337, "0x000000000000000000000000000000000000dEaD");
    const app = buildMinerApp({
      // The pipeline is shared by the tests: the task must not close it.
      task: new OcrTask(
        {
          provider: pipeline.provider,
          modelHashes: pipeline.modelHashes,
          recognize: (image) => pipeline.recognize(image),
          close: async () => undefined,
        },
        "ppocr-v4",
      ),
      hotkey: minerKey,
      netuid: 2,
      tier: 0,
      wireDomain: domain,
      voucherDomain: voucherDomain(31337, "0x000000000000000000000000000000000000bEEF"),
      // A fixed view of the chain: the validator holds a permit; the chain is not under test here.
      chain: {
        isPermittedValidator: async (caller) => caller === validator.address,
        allotmentOf: async () => 0n,
        redeemedFrom: async () => 0n,
        isActiveSigner: async () => false,
        pricePerRequest: async () => 10n ** 15n,
        limits: async () => ({ maxInputTokens: 200, maxOutputTokens: 1000 }),
      },
      book: new VoucherBook(),
      logger: silentLogger(),
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      const grades: number[] = [];
      for (let seed = 10; seed < 13; seed++) {
        const c = await task.create(seed);
        const res = await probeMiner({
          url,
          miner: minerKey.address,
          netuid: 2,
          body: c.body,
          signer: validator,
          domain,
          timeoutMs: 20_000,
          maxResponseBytes: 1 << 20,
          allowPrivateAxons: true,
        });
        if (!res.ok) throw new Error(`probe failed: ${res.fault} ${res.detail}`);
        grades.push(task.grade(c.expected, res.output));
      }
      expect(grades.reduce((a, b) => a + b, 0) / grades.length).toBeGreaterThan(0.8);
    } finally {
      await app.close();
    }
  });
});
