import { connectedComponents, dbPostprocess, detInputSize, detPreprocess, sortBoxes } from "./detect";
import type { Quad } from "./geometry";

/** A probability map with axis-aligned blocks of given values. */
function map(
  width: number,
  height: number,
  blocks: { x: number; y: number; w: number; h: number; p: number }[],
): Float32Array {
  const m = new Float32Array(width * height);
  for (const b of blocks)
    for (let y = b.y; y < b.y + b.h; y++) for (let x = b.x; x < b.x + b.w; x++) m[y * width + x] = b.p;
  return m;
}

describe("detInputSize", () => {
  it("keeps small images' scale, rounding sides to multiples of 32", () => {
    expect(detInputSize(235, 103, 960)).toEqual({ width: 224, height: 96 });
    expect(detInputSize(10, 10, 960)).toEqual({ width: 32, height: 32 });
  });
  it("scales the longer side down to the limit", () => {
    expect(detInputSize(1920, 1080, 960)).toEqual({ width: 960, height: 544 });
    expect(detInputSize(1000, 4000, 960)).toEqual({ width: 256, height: 960 });
  });
});

describe("detPreprocess", () => {
  it("normalises with ImageNet mean/std into BGR planes", () => {
    const data = new Uint8Array(64 * 32 * 3);
    for (let i = 0; i < 64 * 32; i++) data.set([255, 128, 0], i * 3); // R, G, B
    const t = detPreprocess({ width: 64, height: 32, data }, 960);
    expect([t.width, t.height]).toEqual([64, 32]);
    const plane = 64 * 32;
    expect(t.data[0]).toBeCloseTo((0 / 255 - 0.485) / 0.229, 5); // B plane
    expect(t.data[plane]).toBeCloseTo((128 / 255 - 0.456) / 0.224, 5); // G plane
    expect(t.data[2 * plane + plane - 1]).toBeCloseTo((255 / 255 - 0.406) / 0.225, 5); // R plane
  });
});

describe("connectedComponents", () => {
  it("joins diagonal neighbours (8-connectivity) and keeps separate blobs apart", () => {
    const w = 10;
    const m = new Float32Array(w * 6);
    for (const [x, y] of [
      [1, 1],
      [2, 2],
      [3, 3],
      [7, 1],
      [7, 2],
      [8, 4],
    ])
      m[y! * w + x!] = 1;
    const comps = connectedComponents(m, w, 6, 0.3)
      .map((c) => c.pixels)
      .sort();
    expect(comps).toEqual([1, 2, 3]);
  });
  it("handles U shapes whose arms merge late", () => {
    const w = 7;
    const m = map(w, 5, [
      { x: 0, y: 0, w: 1, h: 5, p: 1 },
      { x: 6, y: 0, w: 1, h: 5, p: 1 },
      { x: 0, y: 4, w: 7, h: 1, p: 1 },
    ]);
    expect(connectedComponents(m, w, 5, 0.3)).toHaveLength(1);
  });
});

describe("dbPostprocess", () => {
  it("boxes confident blobs, grows them, scales them back and drops weak or tiny ones", () => {
    const m = map(100, 60, [
      { x: 10, y: 10, w: 60, h: 6, p: 0.9 }, // a text line's kernel
      { x: 10, y: 40, w: 60, h: 6, p: 0.5 }, // above the 0.3 threshold, below the 0.6 box score
      { x: 90, y: 50, w: 2, h: 2, p: 0.9 }, // too small
    ]);
    const boxes = dbPostprocess(m, 100, 60, 200, 120, { unclipRatio: 1.5 });
    expect(boxes).toHaveLength(1);
    const [b] = boxes;
    expect(b!.score).toBeCloseTo(0.9, 5);
    // minAreaRect over pixel centres: 59 x 5 around (39.5, 12.5); grown by area*1.5/perimeter
    const d = (59 * 5 * 1.5) / (2 * (59 + 5));
    const expected: Quad = [
      [2 * (10 - d), 2 * (10 - d)],
      [2 * (69 + d), 2 * (10 - d)],
      [2 * (69 + d), 2 * (15 + d)],
      [2 * (10 - d), 2 * (15 + d)],
    ];
    b!.box.forEach((p, i) => {
      expect(Math.abs(p[0] - expected[i]![0])).toBeLessThanOrEqual(1);
      expect(Math.abs(p[1] - expected[i]![1])).toBeLessThanOrEqual(1);
    });
  });

  it("clips grown boxes to the image", () => {
    const m = map(40, 20, [{ x: 0, y: 0, w: 40, h: 8, p: 1 }]);
    const [b] = dbPostprocess(m, 40, 20, 40, 20);
    for (const [x, y] of b!.box) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(40);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(20);
    }
  });

  it("returns nothing for an empty map", () => {
    expect(dbPostprocess(new Float32Array(32 * 32), 32, 32, 32, 32)).toEqual([]);
  });
});

describe("sortBoxes", () => {
  const box = (x: number, y: number, h = 20): { box: Quad } => ({
    box: [
      [x, y],
      [x + 50, y],
      [x + 50, y + h],
      [x, y + h],
    ],
  });
  it("reads top to bottom, and left to right within a row", () => {
    const sorted = sortBoxes([box(200, 103), box(0, 50), box(10, 100), box(0, 0)]);
    expect(sorted.map((b) => b.box[0])).toEqual([
      [0, 0],
      [0, 50],
      [10, 100],
      [200, 103],
    ]);
    const row = sortBoxes([box(300, 4), box(0, 6), box(150, 0)]);
    expect(row.map((b) => b.box[0][0])).toEqual([0, 150, 300]);
  });
});
