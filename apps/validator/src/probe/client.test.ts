import { Wallet } from "ethers";
import type { TextGenerationModel } from "@noosphere/inference";
import { wireDomain } from "@noosphere/protocol";
import { loadTinyModel, startBadMiner, startTextMiner } from "../testing/miner";
import type { BadBehaviour, RunningMiner } from "../testing/miner";
import { MinerUnavailableError, probeMiner } from "./client";
import type { ProbeOptions } from "./client";

const validator = Wallet.createRandom();
const stranger = Wallet.createRandom();
const minerKey = Wallet.createRandom();
const domain = wireDomain(31337, "0x000000000000000000000000000000000000dEaD");
const body = { prompt: "Call me Ishmael. Some years ago", max_tokens: 16, temperature: 0 };

describe("probeMiner", () => {
  let model: TextGenerationModel;
  let miner: RunningMiner;
  const bad: RunningMiner[] = [];

  beforeAll(async () => {
    model = await loadTinyModel();
    miner = await startTextMiner({
      hotkey: new Wallet(minerKey.privateKey),
      netuid: 1,
      chainId: 31337,
      wireDomain: domain,
      // A fixed view of the chain: the validator holds a permit; the chain itself is not under test here.
      chain: {
        isPermittedValidator: async (caller) => caller.toLowerCase() === validator.address.toLowerCase(),
        allotmentOf: async () => 0n,
        redeemedFrom: async () => 0n,
        isActiveSigner: async () => false,
        pricePerRequest: async () => 10n ** 15n,
        limits: async () => ({ maxInputTokens: 200, maxOutputTokens: 1000 }),
      },
    });
  });
  afterAll(async () => {
    await Promise.all([miner.close(), ...bad.map((b) => b.close())]);
    await model.close();
  });

  const probe = (over: Partial<ProbeOptions> = {}) =>
    probeMiner({
      url: miner.url,
      miner: minerKey.address,
      netuid: 1,
      body,
      signer: validator,
      domain,
      timeoutMs: 5_000,
      maxResponseBytes: 64 * 1024,
      allowPrivateAxons: true, // the test miners listen on 127.0.0.1
      ...over,
    });

  const badMiner = async (behaviour: BadBehaviour, signer?: Wallet) => {
    const m = await startBadMiner(behaviour, { signer, miner: minerKey.address, wireDomain: domain });
    bad.push(m);
    return m;
  };

  it("returns a verified answer: signed by the miner's hotkey, over this request and this output", async () => {
    const res = await probe();
    if (!res.ok) throw new Error(`probe failed: ${res.fault} ${res.detail}`);
    const local = await model.generate(body.prompt, { maxTokens: 16, temperature: 0 });
    expect((res.output as { text: string }).text).toBe(local.text);
    expect(res.latencyMs).toBeGreaterThan(0);
    expect(res.signature).toMatch(/^0x[0-9a-f]{130}$/);
  });

  it("reports a refusal (403 to a caller without a permit) as a fault, not an error", async () => {
    const res = await probe({ signer: stranger });
    expect(res).toMatchObject({ ok: false, fault: "refused", status: 403 });
  });

  it("scores 0 an axon aimed at a private address (outside a devnet)", async () => {
    for (const url of [miner.url, "http://169.254.169.254", "http://[::1]:6379"]) {
      const res = await probe({ url, allowPrivateAxons: false });
      expect(res).toMatchObject({ ok: false, fault: "forbidden-axon" });
    }
  });

  it("times out on a miner that never answers", async () => {
    const m = await badMiner("hang");
    const started = Date.now();
    const res = await probe({ url: m.url, timeoutMs: 300 });
    expect(res).toMatchObject({ ok: false, fault: "timeout" });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it.each([
    ["garbage", "garbage"],
    ["huge", "oversize"],
    ["unsigned", "unsigned"],
    ["error", "error"],
  ] as const)("scores a %s answer as the fault %s", async (behaviour, fault) => {
    const m = await badMiner(behaviour);
    const res = await probe({ url: m.url });
    expect(res).toMatchObject({ ok: false, fault });
  });

  it("rejects an answer signed by another key than the miner's hotkey", async () => {
    const m = await badMiner("forged", new Wallet(Wallet.createRandom().privateKey));
    expect(await probe({ url: m.url })).toMatchObject({ ok: false, fault: "bad-signature" });
  });

  it("rejects an answer whose outputHash is not the output's", async () => {
    const m = await badMiner("wrong-hash", new Wallet(minerKey.privateKey));
    expect(await probe({ url: m.url })).toMatchObject({ ok: false, fault: "hash-mismatch" });
  });

  it("rejects an answer signed over another request", async () => {
    const m = await startBadMiner("forged", { signer: new Wallet(minerKey.privateKey), wireDomain: domain });
    bad.push(m);
    expect(await probe({ url: m.url })).toMatchObject({ ok: false, fault: "wrong-request" });
  });

  it("throws MinerUnavailableError (retry) for 429 and for a closed port", async () => {
    const busy = await badMiner("refuse");
    await expect(probe({ url: busy.url })).rejects.toBeInstanceOf(MinerUnavailableError);
    const gone = await startBadMiner("hang");
    await gone.close();
    await expect(probe({ url: gone.url })).rejects.toBeInstanceOf(MinerUnavailableError);
  });
});
