import { ppOcrV4ModelPaths } from "./models";
import {
  ctcGreedyDecode,
  cropQuad,
  loadDictionary,
  planBatches,
  recPreprocess,
  recWidth,
  REC_HEIGHT,
  REC_MIN_WIDTH,
} from "./recognize";
import type { RgbImage } from "./image";

/** An RGB image whose pixel (x, y) is (x, y, 7): crops can be checked pixel by pixel. */
function gradient(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([x, y, 7], (y * width + x) * 3);
  return { width, height, data };
}

const px = (img: RgbImage, x: number, y: number): number[] =>
  Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe("loadDictionary", () => {
  it("puts the blank first and the space last: 6625 classes for ppocr_keys_v1", () => {
    const dict = loadDictionary(ppOcrV4ModelPaths().dictionary);
    expect(dict).toHaveLength(6625);
    expect(dict[0]).toBe("");
    expect(dict[dict.length - 1]).toBe(" ");
    expect(dict[1]).toBe("'");
    for (const c of "azAZ09$:") expect(dict.indexOf(c)).toBeGreaterThan(0);
  });
});

describe("ctcGreedyDecode", () => {
  const dict = ["", "a", "b", "l", " "];
  /** One-hot-ish rows: the winning class gets p, the rest share 1 - p. */
  function probs(path: number[], p = 0.9): Float32Array {
    const out = new Float32Array(path.length * dict.length).fill((1 - p) / (dict.length - 1));
    path.forEach((c, t) => (out[t * dict.length + c] = p));
    return out;
  }

  it("merges repeats, drops blanks, keeps letters a blank separates", () => {
    const d = ctcGreedyDecode(probs([0, 1, 1, 0, 3, 3, 0, 3, 4, 2, 0]), 0, 11, dict.length, dict);
    expect(d.text).toBe("all b");
    expect(d.confidence).toBeCloseTo(0.9, 6);
  });

  it("averages the winning probability of the kept characters only", () => {
    const p = probs([1, 0, 2]);
    p[0 * 5 + 1] = 0.6;
    p[2 * 5 + 2] = 1.0;
    p[1 * 5 + 0] = 0.1; // a weak blank is not counted
    expect(ctcGreedyDecode(p, 0, 3, 5, dict).confidence).toBeCloseTo(0.8, 6);
  });

  it("reads a line from an offset in a batch, and gives confidence 0 for nothing read", () => {
    const batch = new Float32Array([...probs([0, 0]), ...probs([2, 2])]);
    expect(ctcGreedyDecode(batch, 0, 2, 5, dict)).toEqual({ text: "", confidence: 0 });
    expect(ctcGreedyDecode(batch, 10, 2, 5, dict).text).toBe("b");
  });
});

describe("cropQuad", () => {
  it("cuts an axis-aligned box pixel for pixel", () => {
    const img = gradient(100, 50);
    const crop = cropQuad(img, [
      [10, 20],
      [40, 20],
      [40, 30],
      [10, 30],
    ]);
    expect([crop.width, crop.height]).toEqual([30, 10]);
    expect(px(crop, 0, 0)).toEqual([10, 20, 7]);
    expect(px(crop, 29, 9)).toEqual([39, 29, 7]);
  });

  it("straightens a tilted box", () => {
    const img = gradient(100, 100);
    // a 40 x 10 rectangle turned 90 degrees clockwise: its top edge runs down the image
    const crop = cropQuad(img, [
      [60, 20],
      [60, 60],
      [50, 60],
      [50, 20],
    ]);
    expect([crop.width, crop.height]).toEqual([40, 10]);
    expect(px(crop, 0, 0)).toEqual([60 - 1, 20, 7]); // sampled half a pixel inside the corner
    expect(px(crop, 39, 0)[1]).toBe(59);
  });

  it("turns tall crops a quarter counter-clockwise", () => {
    const img = gradient(100, 100);
    const crop = cropQuad(img, [
      [10, 10],
      [20, 10],
      [20, 40],
      [10, 40],
    ]);
    expect([crop.width, crop.height]).toEqual([30, 10]);
    expect(px(crop, 0, 0)).toEqual([19, 10, 7]); // the top-right corner comes to the top-left
    expect(px(crop, 0, 9)).toEqual([10, 10, 7]);
    expect(px(crop, 29, 9)).toEqual([10, 39, 7]);
  });
});

describe("recognition batches", () => {
  const line = (w: number, h: number): RgbImage => ({ width: w, height: h, data: new Uint8Array(w * h * 3).fill(255) });

  it("groups lines of similar aspect", () => {
    const crops = [line(100, 20), line(400, 20), line(110, 20), line(390, 20), line(50, 25)];
    expect(planBatches(crops, 2)).toEqual([[4, 0], [2, 3], [1]]);
  });

  it("resizes to height 48, normalises to [-1, 1] and pads with 0 to the widest line", () => {
    const crops = [line(100, 24), line(200, 24)]; // 200 and 400 wide at height 48
    const t = recPreprocess(crops, 1920);
    expect(t.width).toBe(400);
    expect(t.count).toBe(2);
    const plane = REC_HEIGHT * t.width;
    expect(t.data[0]).toBeCloseTo(1, 6); // white
    expect(t.data[199]).toBeCloseTo(1, 6);
    expect(t.data[200]).toBe(0); // padding
    expect(t.data[3 * plane + 399]).toBeCloseTo(1, 6); // second line fills the batch
    expect(recWidth(line(10, 24), 1920)).toBe(20);
    expect(recPreprocess([line(10, 24)], 1920).width).toBe(REC_MIN_WIDTH);
    expect(recPreprocess([line(5000, 24)], 1920).width).toBe(1920);
  });
});
