import { loadImage, createCanvas } from "@napi-rs/canvas";
import { renderTextImage, RENDER_FONTS, seededRandom } from "./render";

async function decodePng(png: Buffer): Promise<Uint8ClampedArray> {
  const img = await loadImage(png);
  const ctx = createCanvas(img.width, img.height).getContext("2d");
  ctx.drawImage(img, 0, 0);
  return ctx.getImageData(0, 0, img.width, img.height).data;
}

describe("seededRandom", () => {
  it("repeats for a seed and differs between seeds", () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(seededRandom(8)()).not.toBe(xs[0]);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });
});

describe("renderTextImage", () => {
  it("gives the same image for the same options, and another for another seed", () => {
    const a = renderTextImage({ lines: ["seed test"], seed: 42, noise: 0.2 });
    const b = renderTextImage({ lines: ["seed test"], seed: 42, noise: 0.2 });
    const c = renderTextImage({ lines: ["seed test"], seed: 43, noise: 0.2 });
    expect(b.png.equals(a.png)).toBe(true);
    expect(c.png.equals(a.png)).toBe(false);
  });

  it("returns PNG bytes holding exactly the RGBA pixels it returns", async () => {
    const r = renderTextImage({ lines: ["pixels"], seed: 3, noise: 0.5 });
    expect(r.png.subarray(0, 4).toString("hex")).toBe("89504e47");
    expect(r.rgba).toHaveLength(r.width * r.height * 4);
    expect(Buffer.from(await decodePng(r.png)).equals(Buffer.from(r.rgba))).toBe(true);
  });

  it("uses the font and size given, and draws dark ink inside the reported line boxes", () => {
    const font = RENDER_FONTS[2]!;
    const r = renderTextImage({ lines: ["first line", "second"], font, size: 30, seed: 5 });
    expect(r.font).toEqual(font);
    expect(r.size).toBe(30);
    expect(r.boxes.map((b) => b.text)).toEqual(["first line", "second"]);
    const [first, second] = r.boxes;
    expect(first!.y + first!.height).toBeLessThan(second!.y);
    expect(first!.width).toBeGreaterThan(second!.width);
    const grey = (x: number, y: number): number => r.rgba[(y * r.width + x) * 4]!;
    let inkInside = 0;
    let inkOutside = 0;
    for (let y = 0; y < r.height; y++) {
      for (let x = 0; x < r.width; x++) {
        if (grey(x, y) > 128) continue;
        const inside = r.boxes.some((b) => x >= b.x && x < b.x + b.width && y >= b.y && y < b.y + b.height);
        if (inside) inkInside++;
        else inkOutside++;
      }
    }
    expect(inkInside).toBeGreaterThan(100);
    expect(inkOutside).toBe(0);
  });

  it("varies face and size with the seed when not given", () => {
    const picks = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const r = renderTextImage({ lines: ["x"], seed });
      expect(r.size).toBeGreaterThanOrEqual(24);
      expect(r.size).toBeLessThanOrEqual(44);
      picks.add(`${r.font.family}/${r.font.weight}/${r.size}`);
    }
    expect(picks.size).toBeGreaterThan(10);
  });

  it("adds noise only when asked", () => {
    const clean = renderTextImage({ lines: ["noise"], seed: 9 });
    const noisy = renderTextImage({ lines: ["noise"], seed: 9, noise: 1 });
    const levels = (rgba: Uint8Array): number =>
      new Set(Array.from(rgba.subarray(0, 4 * clean.width * 5)).filter((_, i) => i % 4 === 0)).size;
    expect(levels(clean.rgba)).toBe(1); // the top margin is flat paper
    expect(levels(noisy.rgba)).toBeGreaterThan(20);
  });

  it("refuses empty input and out-of-range options", () => {
    expect(() => renderTextImage({ lines: [] })).toThrow(RangeError);
    expect(() => renderTextImage({ lines: ["a", " "] })).toThrow(RangeError);
    expect(() => renderTextImage({ lines: ["a"], noise: 2 })).toThrow(/noise/);
    expect(() => renderTextImage({ lines: ["a"], size: 2 })).toThrow(/size/);
  });
});
