/**
 * OCR latency: raw session.run of the PP-OCRv4 detector (1x3x640x640) and recogniser
 * (1x3x48x320), then the whole pipeline (decode, detect, crop, recognise) per image.
 *
 *   npx tsx packages/inference/bench/ocr.bench.ts [--device auto|cuda|cpu] [--iterations X] [--no-spin]
 *
 * --iterations scales the sample counts (default 1); --no-spin stops ORT's intra-op threads
 * spin-waiting (session option session.intra_op.allow_spinning=0), which helps on a CPU shared
 * with other work.
 *
 * Prints p50 / p99 / mean in milliseconds (nearest-rank percentiles) after a warm-up.
 */
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { Tensor, type InferenceSession } from "onnxruntime-node";
import {
  createOcrPipeline,
  loadModel,
  noopLogger,
  parseDevice,
  ppOcrV4ModelPaths,
  renderTextImage,
  type Device,
} from "../src/index";

interface Row {
  name: string;
  samples: number[];
  note?: string;
}

function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

async function time(iterations: number, warmup: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return samples;
}

/** Deterministic values in the range a normalised image has. */
function input(dims: number[]): Tensor {
  const n = dims.reduce((a, b) => a * b);
  const data = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = (s / 2 ** 32) * 4 - 2;
  }
  return new Tensor("float32", data, dims);
}

function runOnce(session: InferenceSession, tensor: Tensor): () => Promise<unknown> {
  return () => session.run({ [session.inputNames[0]!]: tensor });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const flag = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const device: Device = parseDevice(flag("--device") ?? "auto");
  const scale = Number(flag("--iterations") ?? "1");
  const noSpin = argv.includes("--no-spin");
  const sessionOptions = noSpin ? { extra: { session: { intra_op: { allow_spinning: "0" } } } } : {};
  const paths = ppOcrV4ModelPaths();

  const rows: Row[] = [];
  const det = await loadModel(paths.detection, { device, logger: noopLogger, sessionOptions });
  rows.push({
    name: "det session.run 1x3x640x640",
    samples: await time(Math.round(40 * scale), 3, runOnce(det.session, input([1, 3, 640, 640]))),
  });
  await det.session.release();
  const rec = await loadModel(paths.recognition, { device, logger: noopLogger, sessionOptions });
  rows.push({
    name: "rec session.run 1x3x48x320",
    samples: await time(Math.round(200 * scale), 5, runOnce(rec.session, input([1, 3, 48, 320]))),
  });
  rows.push({
    name: "rec session.run 6x3x48x320",
    samples: await time(Math.round(50 * scale), 3, runOnce(rec.session, input([6, 3, 48, 320]))),
  });
  await rec.session.release();

  const ocr = await createOcrPipeline({ device, logger: noopLogger, sessionOptions });
  const page = [
    "Noosphere miners serve models for pay;",
    "validators score them and commit weights.",
    "Invoice 2024-0117: total $1,234.56",
    "The quick brown fox jumps over the lazy dog",
    "0x3f5CE5FBFe3E9af3971dD833D26bA9b5C936f0bE",
    "epoch 42 closes at block 9000",
    "Pack my box with five dozen liquor jugs.",
    "Meeting at 10:45 in room B-12",
  ];
  const images = [
    { name: "pipeline, 1 line", img: renderTextImage({ lines: [page[3]!], size: 32, seed: 1 }) },
    { name: "pipeline, 4 lines", img: renderTextImage({ lines: page.slice(0, 4), size: 32, seed: 2 }) },
    { name: "pipeline, 8 lines", img: renderTextImage({ lines: page, size: 28, seed: 3 }) },
  ];
  for (const { name, img } of images) {
    let lines = 0;
    const samples = await time(Math.round(20 * scale), 2, async () => {
      lines = (await ocr.recognize(img.png)).lines.length;
    });
    rows.push({ name: `${name} (PNG ${img.width}x${img.height})`, samples, note: `${lines} lines read` });
  }
  const provider = ocr.provider;
  await ocr.close();

  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log(
    `OCR bench: provider ${provider} (device ${device}${noSpin ? ", no spinning" : ""}), ${cpus().length} cores, ${cpu}, ` +
      `load ${loadavg()
        .map((l) => l.toFixed(1))
        .join("/")}, node ${process.version}`,
  );
  console.log(
    `${"".padEnd(52)} ${"n".padStart(4)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"mean ms".padStart(8)}`,
  );
  for (const row of rows) {
    const sorted = [...row.samples].sort((a, b) => a - b);
    const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
    console.log(
      `${row.name.padEnd(52)} ${String(sorted.length).padStart(4)} ${percentile(sorted, 50).toFixed(1).padStart(8)} ${percentile(sorted, 99).toFixed(1).padStart(8)} ${mean.toFixed(1).padStart(8)}${row.note ? `  ${row.note}` : ""}`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
