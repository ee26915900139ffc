import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCanvas, loadImage } from "@napi-rs/canvas";
import { noopLogger } from "../session/logger";
import { diagnoseCuda } from "../session/cuda";
import { characterErrorRate } from "./cer";
import { OcrInputError } from "./image";
import { ppOcrV4ModelPaths } from "./models";
import { createOcrPipeline, OcrPipelineClosedError, type OcrLine, type OcrPipeline } from "./pipeline";
import { renderTextImage, RENDER_FONTS } from "./render";

/*
 * Accuracy thresholds. On clean renders of English text in the six DejaVu faces, this pipeline
 * measured an aggregate character error rate of 1.3% (42 images; 1.75% with noise 0.3); what is
 * left is the PP-OCRv4 (Chinese-trained) recogniser's own habits: a dropped space between words,
 * "NOOS" read as "Noos". Whitespace aside, 1.1%. The bounds below leave about 3x headroom for
 * another machine's font rasteriser, and sit far under what a broken pipeline scores: a
 * dictionary shifted by one class (tested below) scores near 100%.
 */
const MAX_CORPUS_CER = 0.04;
const MAX_CORPUS_CER_NO_SPACES = 0.03;
const MAX_IMAGE_CER = 0.15;

const TEXTS: readonly (readonly string[])[] = [
  ["The quick brown fox jumps over the lazy dog"],
  ["Invoice 2024-0117: total $1,234.56"],
  ["Pack my box with five dozen liquor jugs."],
];

const joined = (lines: readonly OcrLine[]): string => lines.map((l) => l.text).join("\n");
const noSpaces = (s: string): string => s.replace(/\s+/g, "");

let ocr: OcrPipeline;
beforeAll(async () => {
  ocr = await createOcrPipeline({ device: "cpu", logger: noopLogger });
});
afterAll(async () => {
  await ocr.close();
});

describe("createOcrPipeline", () => {
  it("says where it runs and which model files it loaded", () => {
    expect(ocr.provider).toBe("cpu");
    expect(ocr.providers).toEqual({ detection: "cpu", recognition: "cpu" });
    const { detection, recognition } = ppOcrV4ModelPaths();
    const sha = (p: string): string => `0x${execFileSync("sha256sum", [p], { encoding: "utf8" }).split(" ")[0]}`;
    expect(ocr.modelHashes).toEqual({ detection: sha(detection), recognition: sha(recognition) });
  });

  it("under `auto` reports the provider it got", async () => {
    const auto = await createOcrPipeline({ device: "auto", logger: noopLogger });
    expect(auto.provider).toBe(diagnoseCuda().likelyUsable ? "cuda" : "cpu");
    await auto.close();
  });
});

describe("recognize", () => {
  it(`reads rendered text in every DejaVu face with CER <= ${MAX_CORPUS_CER * 100}%`, async () => {
    let errors = 0;
    let chars = 0;
    let errorsNoSpaces = 0;
    let charsNoSpaces = 0;
    const misses: string[] = [];
    for (const [f, font] of RENDER_FONTS.entries()) {
      for (const [t, lines] of TEXTS.entries()) {
        const image = renderTextImage({ lines, font, seed: 1000 + 10 * f + t });
        const { lines: found } = await ocr.recognize(image.png);
        const ref = lines.join("\n");
        const hyp = joined(found);
        const cer = characterErrorRate(ref, hyp);
        if (cer > 0) misses.push(`${font.family} ${font.weight} ${image.size}px: ${JSON.stringify(hyp)}`);
        expect(cer).toBeLessThanOrEqual(MAX_IMAGE_CER);
        errors += cer * ref.length;
        chars += ref.length;
        errorsNoSpaces += characterErrorRate(noSpaces(ref), noSpaces(hyp)) * noSpaces(ref).length;
        charsNoSpaces += noSpaces(ref).length;
      }
    }
    const corpusCer = errors / chars;
    if (misses.length > 0)
      console.log(`OCR corpus CER ${(corpusCer * 100).toFixed(2)}%, misreads:\n  ${misses.join("\n  ")}`);
    expect(corpusCer).toBeLessThanOrEqual(MAX_CORPUS_CER);
    expect(errorsNoSpaces / charsNoSpaces).toBeLessThanOrEqual(MAX_CORPUS_CER_NO_SPACES);
  });

  it("reads a multi-line image top to bottom, each box around its line", async () => {
    const lines = [
      "noosphere miners earn NOOS",
      "validators score them",
      "0x3f5CE5FBFe3E9af3971dD833D26bA9b5C936f0bE",
      "epoch 42 closes at block 9000",
    ];
    const image = renderTextImage({ lines, font: { family: "DejaVu Sans", weight: "normal" }, size: 28, seed: 77 });
    const result = await ocr.recognize(image.png);
    expect(result.lines).toHaveLength(lines.length);
    result.lines.forEach((line, i) => {
      expect(characterErrorRate(lines[i]!, line.text)).toBeLessThanOrEqual(MAX_IMAGE_CER);
      expect(line.confidence).toBeGreaterThan(0.5);
      expect(line.confidence).toBeLessThanOrEqual(1);
      const ink = image.boxes[i]!;
      const xs = line.box.map((p) => p[0]);
      const ys = line.box.map((p) => p[1]);
      const slack = 2; // the detector's box is rounded to whole pixels
      expect(Math.min(...xs)).toBeLessThanOrEqual(ink.x + slack);
      expect(Math.max(...xs)).toBeGreaterThanOrEqual(ink.x + ink.width - slack);
      expect(Math.min(...ys)).toBeLessThanOrEqual(ink.y + slack);
      expect(Math.max(...ys)).toBeGreaterThanOrEqual(ink.y + ink.height - slack);
      // ... and not around its neighbours: the box's centre lies in this line's band
      const cy = ys.reduce((a, b) => a + b) / 4;
      expect(cy).toBeGreaterThan(ink.y);
      expect(cy).toBeLessThan(ink.y + ink.height);
      if (i > 0) expect(line.box[0][1]).toBeGreaterThan(result.lines[i - 1]!.box[0][1]);
    });
    const t = result.timingsMs;
    for (const v of Object.values(t)) expect(v).toBeGreaterThanOrEqual(0);
    expect(t.total).toBeGreaterThanOrEqual(t.detInference + t.recInference);
  });

  it("reads noisy renders, raw RGBA and JPEG alike", async () => {
    const lines = ["Meeting at 10:45 in room B-12"];
    const image = renderTextImage({ lines, font: RENDER_FONTS[3]!, size: 32, noise: 0.3, seed: 5 });
    const fromPng = await ocr.recognize(image.png);
    const fromRgba = await ocr.recognize({ width: image.width, height: image.height, data: image.rgba });
    expect(fromRgba.lines).toEqual(fromPng.lines);
    expect(characterErrorRate(lines[0]!, joined(fromPng.lines))).toBeLessThanOrEqual(MAX_IMAGE_CER);

    const canvas = createCanvas(image.width, image.height);
    canvas.getContext("2d").drawImage(await loadImage(image.png), 0, 0);
    const fromJpeg = await ocr.recognize(canvas.encodeSync("jpeg", 85));
    expect(characterErrorRate(lines[0]!, joined(fromJpeg.lines))).toBeLessThanOrEqual(MAX_IMAGE_CER);
  });

  it("reads a tilted line, boxed along its slant", async () => {
    const canvas = createCanvas(640, 400);
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "white";
    ctx.fillRect(0, 0, 640, 400);
    ctx.translate(320, 200);
    ctx.rotate((-12 * Math.PI) / 180);
    ctx.fillStyle = "black";
    ctx.font = '30px "DejaVu Serif"';
    ctx.textAlign = "center";
    ctx.fillText("Tilted receipt total 42.50", 0, 10);
    const { lines } = await ocr.recognize(canvas.encodeSync("png"));
    expect(lines).toHaveLength(1);
    expect(characterErrorRate("Tilted receipt total 42.50", lines[0]!.text)).toBeLessThanOrEqual(MAX_IMAGE_CER);
    const [tl, tr] = lines[0]!.box;
    expect((Math.atan2(tr[1] - tl[1], tr[0] - tl[0]) * 180) / Math.PI).toBeCloseTo(-12, 0);
  });

  it("finds nothing on a blank page", async () => {
    const blank = { width: 200, height: 100, data: new Uint8Array(200 * 100 * 4).fill(255) };
    expect((await ocr.recognize(blank)).lines).toEqual([]);
  });

  it("gives the same answers to concurrent calls as to one at a time", async () => {
    const images = [0, 1, 2].map((i) => renderTextImage({ lines: [TEXTS[i]![0]!], seed: 300 + i }).png);
    const oneByOne = [];
    for (const png of images) oneByOne.push((await ocr.recognize(png)).lines);
    const together = await Promise.all(images.map((png) => ocr.recognize(png)));
    expect(together.map((r) => r.lines)).toEqual(oneByOne);
  });

  it("refuses bad input with OcrInputError", async () => {
    await expect(ocr.recognize(Buffer.from("not an image"))).rejects.toThrow(OcrInputError);
    await expect(ocr.recognize({ width: 10, height: 10, data: new Uint8Array(10) })).rejects.toThrow(OcrInputError);
  });
});

describe("pipeline checks", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "noos-ocr-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("scores near 100% CER with a dictionary off by one class, so the thresholds above mean something", async () => {
    const paths = ppOcrV4ModelPaths();
    const keys = readFileSync(paths.dictionary, "utf8").split("\n");
    const shifted = join(dir, "shifted.txt");
    writeFileSync(shifted, [...keys.slice(1), keys[0]].join("\n"));
    const broken = await createOcrPipeline({
      device: "cpu",
      logger: noopLogger,
      models: { ...paths, dictionary: shifted },
      minConfidence: 0,
    });
    const ref = TEXTS[0]![0]!;
    const { lines } = await broken.recognize(renderTextImage({ lines: [ref], seed: 11 }).png);
    expect(characterErrorRate(ref, joined(lines))).toBeGreaterThan(0.8);
    await broken.close();
  });

  it("refuses a dictionary that does not fit the recogniser", async () => {
    const paths = ppOcrV4ModelPaths();
    const short = join(dir, "short.txt");
    writeFileSync(short, "a\nb\nc\n");
    await expect(
      createOcrPipeline({ device: "cpu", logger: noopLogger, models: { ...paths, dictionary: short } }),
    ).rejects.toThrow(/gives 5 classes but .* outputs 6625/);
  });

  it("finishes running calls on close, then refuses new ones", async () => {
    const p = await createOcrPipeline({ device: "cpu", logger: noopLogger });
    const running = p.recognize(renderTextImage({ lines: ["closing time"], seed: 2 }).png);
    await p.close();
    expect(joined((await running).lines)).toMatch(/closing\s?time/);
    await expect(p.recognize(renderTextImage({ lines: ["late"], seed: 2 }).png)).rejects.toThrow(
      OcrPipelineClosedError,
    );
    await p.close(); // idempotent
  });

  it("fails `cuda` at start on a machine without CUDA", async () => {
    if (diagnoseCuda().likelyUsable) return; // covered by the CUDA session test on GPU machines
    await expect(createOcrPipeline({ device: "cuda", logger: noopLogger })).rejects.toThrow(
      /device "cuda" is not usable/,
    );
  });
});
