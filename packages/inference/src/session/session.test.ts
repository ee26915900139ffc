import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { Tensor } from "onnxruntime-node";
import { ppOcrV4ModelPaths } from "../ocr/models";
import { diagnoseCuda } from "./cuda";
import type { Logger } from "./logger";
import { createSession, CudaUnavailableError, loadModel, parseDevice, UnknownDeviceError } from "./session";

const { detection } = ppOcrV4ModelPaths();
const cuda = diagnoseCuda();

/** A logger that keeps what it is given, to check what was said. */
function recordingLogger(): Logger & { records: { level: string; obj: object; msg?: string }[] } {
  const records: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void records.push({ level, obj, msg });
  return { records, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

async function runsDetector(session: Awaited<ReturnType<typeof createSession>>["session"]): Promise<void> {
  const input = new Tensor("float32", new Float32Array(3 * 64 * 96).fill(0.5), [1, 3, 64, 96]);
  const out = await session.run({ [session.inputNames[0]!]: input });
  expect(out[session.outputNames[0]!]!.dims).toEqual([1, 1, 64, 96]);
}

describe("createSession", () => {
  it("opens a CPU session that runs", async () => {
    const logger = recordingLogger();
    const { session, provider } = await createSession(detection, { device: "cpu", logger });
    expect(provider).toBe("cpu");
    await runsDetector(session);
    expect(logger.records.filter((r) => r.level === "warn")).toEqual([]);
    await session.release();
  });

  it("opens a session from model bytes", async () => {
    const { session, provider } = await createSession(readFileSync(detection), { device: "cpu" });
    expect(provider).toBe("cpu");
    await runsDetector(session);
    await session.release();
  });

  if (cuda.likelyUsable) {
    it("runs on CUDA when asked, on this CUDA machine", async () => {
      const { session, provider } = await createSession(detection, { device: "cuda" });
      expect(provider).toBe("cuda");
      await runsDetector(session);
      await session.release();
    });
  } else {
    it("fails `cuda` at start, saying what is missing and what onnxruntime said", async () => {
      const err: unknown = await createSession(detection, { device: "cuda" }).then(
        () => new Error("expected a CudaUnavailableError"),
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(CudaUnavailableError);
      const e = err as CudaUnavailableError;
      expect(e.message).toMatch(/^device "cuda" is not usable: /);
      for (const problem of cuda.problems) expect(e.message).toContain(problem);
      if (cuda.providerLibs.missing.length > 0) expect(e.message).toContain("run `npm run setup:cuda`");
      if (!cuda.gpu.found) expect(e.message).toContain("no NVIDIA GPU or driver found");
      expect(e.ortMessage).toEqual(expect.any(String));
      expect(e.message).toContain(`onnxruntime said: ${e.ortMessage}`);
      expect(e.diagnosis.problems).toEqual(cuda.problems);
    });
  }

  it("`auto` reports the provider it got, warning when it falls back to the CPU", async () => {
    const logger = recordingLogger();
    const { session, provider } = await createSession(detection, { device: "auto", logger });
    await runsDetector(session);
    await session.release();
    const warnings = logger.records.filter((r) => r.level === "warn");
    if (cuda.likelyUsable) {
      expect(provider).toBe("cuda");
    } else {
      expect(provider).toBe("cpu");
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.msg).toMatch(/^CUDA not usable, falling back to CPU: /);
      expect(warnings[0]!.obj).toMatchObject({ model: detection, problems: cuda.problems });
    }
  });

  it("defaults to `auto`", async () => {
    const { session, provider } = await createSession(detection, { logger: recordingLogger() });
    expect(provider).toBe(cuda.likelyUsable ? "cuda" : "cpu");
    await session.release();
  });

  it("rejects an unknown device and a missing model", async () => {
    await expect(createSession(detection, { device: "gpu" as never })).rejects.toThrow(UnknownDeviceError);
    await expect(createSession("/nonexistent/model.onnx", { device: "cpu" })).rejects.toThrow(/nonexistent/);
  });
});

describe("parseDevice", () => {
  it("accepts the three devices and names them when refusing", () => {
    expect(["auto", "cuda", "cpu"].map(parseDevice)).toEqual(["auto", "cuda", "cpu"]);
    expect(() => parseDevice("GPU")).toThrow('unknown device "GPU": use one of auto, cuda, cpu');
  });
});

describe("loadModel", () => {
  it("returns the session, the provider, the path and the file's sha256", async () => {
    const model = await loadModel(detection, { device: "cpu" });
    expect(model.path).toBe(detection);
    expect(model.provider).toBe("cpu");
    expect(model.sha256).toBe(`0x${execFileSync("sha256sum", [detection], { encoding: "utf8" }).split(" ")[0]}`);
    await runsDetector(model.session);
    await model.session.release();
  });

  it("fails for a file that is not a model", async () => {
    await expect(loadModel(__filename, { device: "cpu" })).rejects.toThrow();
  });
});
