/** Text recognition (PP-OCRv4 CRNN/SVTR + CTC): line crops, batching, tensor, greedy decoding. */
import { readFileSync } from "node:fs";
import { dist, type Quad } from "./geometry";
import { resizeNormaliseInto, type RgbImage } from "./image";

/** Recognition input height the PP-OCRv4 model is trained for. */
export const REC_HEIGHT = 48;
/** Narrowest batch width, as PaddleOCR (3 x 48 x 320): short words are padded up to it. */
export const REC_MIN_WIDTH = 320;

const REC_SCALE = [2 / 255, 2 / 255, 2 / 255] as const; // (x / 255 - 0.5) / 0.5
const REC_SHIFT = [-1, -1, -1] as const;

/**
 * The CTC alphabet: index 0 is the blank, then one entry per line of the key file, then a space
 * (PaddleOCR's `use_space_char`). For ppocr_keys_v1.txt that is 1 + 6623 + 1 = 6625 classes.
 */
export function loadDictionary(path: string): string[] {
  const keys = readFileSync(path, "utf8")
    .split("\n")
    .map((l) => l.replace(/\r$/, ""));
  if (keys.length > 0 && keys[keys.length - 1] === "") keys.pop();
  return ["", ...keys, " "];
}

/**
 * Cuts a text box out of the image as an upright line: the quad is mapped onto a rectangle of
 * its own size (bilinear, edges clamped), and a crop at least 1.5x taller than wide is turned a
 * quarter counter-clockwise (vertical text read as a line), as PaddleOCR does.
 */
export function cropQuad(image: RgbImage, quad: Quad): RgbImage {
  const [tl, tr, br, bl] = quad;
  const w = Math.max(1, Math.trunc(Math.max(dist(tl, tr), dist(bl, br))));
  const h = Math.max(1, Math.trunc(Math.max(dist(tl, bl), dist(tr, br))));
  const { width: sw, height: sh, data } = image;
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const v = (y + 0.5) / h;
    // Points on the left and right edges at this height; the row runs between them.
    const lx = tl[0] + (bl[0] - tl[0]) * v;
    const ly = tl[1] + (bl[1] - tl[1]) * v;
    const rx = tr[0] + (br[0] - tr[0]) * v;
    const ry = tr[1] + (br[1] - tr[1]) * v;
    for (let x = 0; x < w; x++) {
      const u = (x + 0.5) / w;
      let px = lx + (rx - lx) * u - 0.5;
      let py = ly + (ry - ly) * u - 0.5;
      px = px < 0 ? 0 : px > sw - 1 ? sw - 1 : px;
      py = py < 0 ? 0 : py > sh - 1 ? sh - 1 : py;
      const x0 = Math.floor(px);
      const y0 = Math.floor(py);
      const x1 = Math.min(x0 + 1, sw - 1);
      const y1 = Math.min(y0 + 1, sh - 1);
      const ax = px - x0;
      const ay = py - y0;
      const i00 = (y0 * sw + x0) * 3;
      const i01 = (y0 * sw + x1) * 3;
      const i10 = (y1 * sw + x0) * 3;
      const i11 = (y1 * sw + x1) * 3;
      const o = (y * w + x) * 3;
      for (let c = 0; c < 3; c++) {
        const top = data[i00 + c]! + (data[i01 + c]! - data[i00 + c]!) * ax;
        const bot = data[i10 + c]! + (data[i11 + c]! - data[i10 + c]!) * ax;
        out[o + c] = Math.round(top + (bot - top) * ay);
      }
    }
  }
  const crop = { width: w, height: h, data: out };
  return h >= 1.5 * w ? rotateCounterClockwise(crop) : crop;
}

function rotateCounterClockwise(img: RgbImage): RgbImage {
  const { width: w, height: h, data } = img;
  const out = new Uint8Array(w * h * 3);
  // new (x', y') = (y, w - 1 - x); the new image is h wide and w tall.
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * 3;
      const d = ((w - 1 - x) * h + y) * 3;
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
    }
  }
  return { width: h, height: w, data: out };
}

/** Width a line crop takes at the recognition height, capped at `maxWidth`. */
export function recWidth(crop: RgbImage, maxWidth: number): number {
  return Math.max(1, Math.min(maxWidth, Math.ceil((REC_HEIGHT * crop.width) / crop.height)));
}

/**
 * Groups crops into batches of up to `batchSize` lines of similar width (sorted by aspect
 * ratio), so little of each batch is padding. Returns indices into `crops`.
 */
export function planBatches(crops: readonly RgbImage[], batchSize: number): number[][] {
  const order = crops
    .map((_, i) => i)
    .sort((a, b) => crops[a]!.width / crops[a]!.height - crops[b]!.width / crops[b]!.height);
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  return batches;
}

export interface RecTensor {
  /** NCHW float32: N lines x 3 x 48 x width. */
  readonly data: Float32Array;
  readonly count: number;
  readonly width: number;
}

/**
 * One batch's tensor: each crop resized to height 48 with its aspect kept (width capped at
 * `maxWidth`), normalised to [-1, 1] by (x / 255 - 0.5) / 0.5, and padded on the right with 0
 * to the batch width (the widest line, at least {@link REC_MIN_WIDTH}).
 */
export function recPreprocess(crops: readonly RgbImage[], maxWidth: number): RecTensor {
  const widths = crops.map((c) => recWidth(c, maxWidth));
  const width = Math.min(maxWidth, Math.max(REC_MIN_WIDTH, ...widths));
  const plane = REC_HEIGHT * width;
  const data = new Float32Array(crops.length * 3 * plane); // zero = the padding value
  crops.forEach((crop, i) => {
    resizeNormaliseInto(
      crop,
      widths[i]!,
      REC_HEIGHT,
      data,
      { offset: i * 3 * plane, planeStride: plane, rowStride: width },
      REC_SCALE,
      REC_SHIFT,
    );
  });
  return { data, count: crops.length, width };
}

export interface DecodedLine {
  readonly text: string;
  /** Mean of the winning probabilities of the characters kept (0 for an empty line). */
  readonly confidence: number;
}

/**
 * Greedy CTC decoding of one line: the most likely class per time step, repeats merged, blanks
 * (class 0) dropped. `probs` holds `steps x classes` softmax outputs starting at `offset`.
 */
export function ctcGreedyDecode(
  probs: Float32Array,
  offset: number,
  steps: number,
  classes: number,
  dictionary: readonly string[],
): DecodedLine {
  let text = "";
  let sum = 0;
  let kept = 0;
  let prev = -1;
  for (let t = 0; t < steps; t++) {
    const row = offset + t * classes;
    let best = 0;
    let bestP = probs[row]!;
    for (let c = 1; c < classes; c++) {
      const p = probs[row + c]!;
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    if (best !== 0 && best !== prev) {
      text += dictionary[best] ?? "";
      sum += bestP;
      kept++;
    }
    prev = best;
  }
  return { text, confidence: kept === 0 ? 0 : sum / kept };
}
