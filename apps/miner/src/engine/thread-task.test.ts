import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Worker } from "node:worker_threads";
import { createCanvas } from "@napi-rs/canvas";
import { builtinModelPath } from "@noosphere/inference";
import { silentLogger } from "@noosphere/node-kit";
import { MinerHttpError } from "../errors";
import { loadTask } from "../tasks/load";
import type { TaskHandler } from "../tasks/task";
import { EngineThreadTask } from "./thread-task";

const LIMITS = { maxInputTokens: 200, maxOutputTokens: 1000 };
const logger = silentLogger();
const never = () => new AbortController().signal;

async function collect(gen: AsyncGenerator<{ delta: string }, unknown>): Promise<{ text: string; final: unknown }> {
  let text = "";
  let next = await gen.next();
  while (!next.done) {
    text += next.value.delta;
    next = await gen.next();
  }
  return { text, final: next.value };
}

describe("EngineThreadTask: the model on a thread of its own", () => {
  let threaded: TaskHandler;
  let inline: TaskHandler;

  beforeAll(async () => {
    const opts = { taskId: "text-generation", model: "builtin:noos-tiny", device: "cpu" as const, logger };
    [threaded, inline] = await Promise.all([loadTask(opts), loadTask({ ...opts, thread: false })]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([threaded?.close(), inline?.close()]);
  });

  it("is what loadTask gives by default, and says what it serves", () => {
    expect(threaded).toBeInstanceOf(EngineThreadTask);
    expect(inline).not.toBeInstanceOf(EngineThreadTask);
    for (const key of ["taskId", "modelName", "modelHash", "provider", "speculative"] as const) {
      expect(threaded[key]).toBe(inline[key]);
    }
    expect(threaded.speculative).toBe(true);
  });

  it("answers exactly as the model on the calling thread, streamed or not", async () => {
    for (const body of [
      { prompt: "Call me Ishmael. Some years ago", max_tokens: 40 },
      { prompt: "Queequeg", max_tokens: 12, temperature: 0.8, seed: 7 },
    ]) {
      const input = threaded.parse(body, LIMITS);
      expect(input).toEqual(inline.parse(body, LIMITS));
      const expected = await inline.run(input, never());
      expect(await threaded.run(input, never())).toEqual(expected);
      const streamed = await collect(threaded.stream!({ ...(input as object), stream: true }, never()));
      expect(streamed.final).toEqual(expected);
      expect(streamed.text).toBe((expected.output as { text: string }).text);
    }
  });

  it("runs jobs handed over while the model is busy one after another, in order", async () => {
    expect(threaded.handoff).toBe(1);
    const input = threaded.parse({ prompt: "The whale", max_tokens: 30, stream: true }, LIMITS);
    const events: string[] = [];
    const drain = async (name: string) => {
      const gen = threaded.stream!(input, never());
      for (let next = await gen.next(); !next.done; next = await gen.next()) events.push(name);
      events.push(`${name} done`);
    };
    await Promise.all([drain("a"), drain("b")]);
    // b waited in the engine: all of a's chunks, then all of b's.
    const aDone = events.indexOf("a done");
    expect(events.slice(0, aDone).every((e) => e === "a")).toBe(true);
    expect(events.slice(aDone + 1).every((e) => e.startsWith("b"))).toBe(true);
    expect(events.filter((e) => e === "b")).toHaveLength(30);
  });

  it("refuses what the front refuses, with the same status, before the engine sees it", () => {
    expect(() => threaded.parse({ prompt: "x", max_tokens: 5000 }, LIMITS)).toThrow(MinerHttpError);
    expect(() => threaded.parse({ prompt: 3 }, LIMITS)).toThrow(/prompt must be a non-empty string/);
  });

  it("stops an aborted job within a few tokens, and serves the next one", async () => {
    const input = threaded.parse({ prompt: "The whale", max_tokens: 1000, stream: true }, LIMITS);
    const job = new AbortController();
    const gen = threaded.stream!(input, job.signal);
    let chunks = 0;
    let error: unknown;
    try {
      for (let next = await gen.next(); !next.done; next = await gen.next()) {
        if (++chunks === 3) job.abort(new Error("caller refused"));
      }
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).toBe("caller refused");
    // The greedy text would go on for all 1000 tokens; the abort is seen between two steps.
    expect(chunks).toBeLessThan(50);
    const next = await threaded.run(threaded.parse({ prompt: "The whale", max_tokens: 5 }, LIMITS), never());
    expect(next.units).toBe(5);
  });

  it("never starts a job whose signal is already aborted", async () => {
    const job = new AbortController();
    job.abort(new Error("gone"));
    await expect(threaded.run(threaded.parse({ prompt: "The whale" }, LIMITS), job.signal)).rejects.toThrow("gone");
  });

  it("starts a new engine when its thread dies; requests meanwhile wait for it", async () => {
    const task = threaded as EngineThreadTask;
    const engine = () => (task as unknown as { worker: Worker }).worker;
    const before = engine();
    // Stopped while idle: a thread stopped inside onnxruntime's native run takes the process with it.
    await before.terminate();
    const after = await task.run(task.parse({ prompt: "The whale", max_tokens: 3 }, LIMITS), never());
    expect(after.units).toBe(3);
    expect(engine()).not.toBe(before);
  });
});

describe("EngineThreadTask: errors from the engine thread", () => {
  it("a model the engine cannot open fails start with onnxruntime's reason", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "noos-engine-"));
    try {
      for (const file of ["config.json", "tokenizer.json", "tokenizer_config.json"]) {
        fs.copyFileSync(path.join(builtinModelPath("noos-tiny"), file), path.join(dir, file));
      }
      fs.writeFileSync(path.join(dir, "model.onnx"), "not an onnx graph");
      await expect(loadTask({ taskId: "text-generation", model: dir, device: "cpu", logger })).rejects.toThrow(
        /engine thread: .*(protobuf|parse|Load model)/i,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fails requests and closes at once when a new engine cannot open the model", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "noos-engine-"));
    try {
      fs.cpSync(builtinModelPath("noos-tiny"), dir, { recursive: true });
      const task = (await loadTask({
        taskId: "text-generation",
        model: dir,
        device: "cpu",
        logger,
      })) as EngineThreadTask;
      fs.writeFileSync(path.join(dir, "model.onnx"), "not an onnx graph any more");
      const engine = () => (task as unknown as { worker: Worker }).worker;
      await engine().terminate();
      // The new engine is started as the old one exits; it reports its load error and stops.
      const respawnGone = new Promise((resolve) => engine().once("exit", resolve));
      const input = task.parse({ prompt: "The whale", max_tokens: 3 }, LIMITS);
      await expect(task.run(input, never())).rejects.toThrow(/engine thread: .*(protobuf|parse|Load model)/i);
      await respawnGone;
      const started = Date.now();
      await task.close();
      expect(Date.now() - started).toBeLessThan(5_000); // it used to wait, forever, for an exit that had come
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("a refusal raised by the model keeps its HTTP status across threads", async () => {
    const ocr = await loadTask({ taskId: "ocr", model: "builtin:ppocr-v4", device: "cpu", logger });
    try {
      expect(ocr.speculative).toBe(false);
      // A PNG signature followed by garbage: the front accepts it, the decoder in the engine cannot.
      const broken = Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        Buffer.alloc(64, 7),
      ]);
      const input = ocr.parse({ image: broken.toString("base64") }, LIMITS);
      const refusal = await ocr.run(input, never()).catch((err: unknown) => err);
      expect(refusal).toBeInstanceOf(MinerHttpError);
      expect((refusal as MinerHttpError).statusCode).toBe(400);
      // And a real image comes back with its lines.
      const canvas = createCanvas(360, 60);
      const ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, 360, 60);
      ctx.fillStyle = "#000";
      ctx.font = "32px DejaVu Sans";
      ctx.fillText("Noosphere 42", 10, 42);
      const read = await ocr.run(
        ocr.parse({ image: canvas.toBuffer("image/png").toString("base64") }, LIMITS),
        never(),
      );
      expect((read.output as { lines: { text: string }[] }).lines.map((l) => l.text).join(" ")).toContain("42");
    } finally {
      await ocr.close();
    }
  }, 60_000);
});
