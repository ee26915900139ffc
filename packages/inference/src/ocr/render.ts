/**
 * Renders known text to an image: OCR tests, and validators' challenges (the text is the answer).
 * Everything varied (font, size, margins, ink, paper, noise) is drawn from a seeded PRNG, so the
 * same options give the same image.
 */
import { createCanvas, GlobalFonts } from "@napi-rs/canvas";

/** A DejaVu face from fonts-dejavu-core (present on Debian/Ubuntu and GitHub's runners). */
export interface RenderFont {
  readonly family: "DejaVu Sans" | "DejaVu Serif" | "DejaVu Sans Mono";
  readonly weight: "normal" | "bold";
}

/** The faces a seed picks from when no font is given. */
export const RENDER_FONTS: readonly RenderFont[] = [
  { family: "DejaVu Sans", weight: "normal" },
  { family: "DejaVu Sans", weight: "bold" },
  { family: "DejaVu Serif", weight: "normal" },
  { family: "DejaVu Serif", weight: "bold" },
  { family: "DejaVu Sans Mono", weight: "normal" },
  { family: "DejaVu Sans Mono", weight: "bold" },
];

export interface RenderTextOptions {
  /** One entry per line, top to bottom (non-empty). */
  readonly lines: readonly string[];
  /** Face; default: picked by the seed from {@link RENDER_FONTS}. */
  readonly font?: RenderFont;
  /** Font size in pixels; default: picked by the seed in [24, 44]. */
  readonly size?: number;
  /** Pixel noise in [0, 1]: each channel moves by up to noise x 64 grey levels (default 0). */
  readonly noise?: number;
  /** Seeds every random choice (default 1). */
  readonly seed?: number;
}

/** Where a line's ink is, in pixels. */
export interface RenderedLineBox {
  readonly text: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface RenderedText {
  readonly png: Buffer;
  readonly width: number;
  readonly height: number;
  /** The same pixels as the PNG, 4 bytes per pixel. */
  readonly rgba: Uint8Array;
  /** What was drawn: the face and size chosen, and each line's ink box. */
  readonly font: RenderFont;
  readonly size: number;
  readonly boxes: readonly RenderedLineBox[];
}

/** mulberry32: a small, fast 32-bit PRNG; enough for test images, not for secrets. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws the lines (dark ink on light paper, with margins) and returns PNG bytes and pixels. */
export function renderTextImage(options: RenderTextOptions): RenderedText {
  const { lines } = options;
  if (lines.length === 0 || lines.some((l) => l.trim() === "")) {
    throw new RangeError("renderTextImage needs at least one line, and no blank lines");
  }
  const noise = options.noise ?? 0;
  if (!(noise >= 0 && noise <= 1)) throw new RangeError(`noise must be in [0, 1], got ${noise}`);
  const rand = seededRandom(options.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const font = options.font ?? pick(RENDER_FONTS);
  const size = options.size ?? 24 + Math.floor(rand() * 21);
  if (!(size >= 6 && size <= 400)) throw new RangeError(`size must be in [6, 400] pixels, got ${size}`);
  if (!GlobalFonts.has(font.family)) {
    throw new Error(`font "${font.family}" is not installed: install DejaVu (apt-get install fonts-dejavu-core)`);
  }
  const css = `${font.weight} ${size}px "${font.family}"`;
  const paper = 235 + Math.floor(rand() * 21);
  const ink = Math.floor(rand() * 50);
  const margin = Math.round(size * (0.8 + rand() * 0.8));
  const lineHeight = Math.round(size * (1.5 + rand() * 0.4));
  const indents = lines.map(() => Math.floor(rand() * size));

  const measure = createCanvas(1, 1).getContext("2d");
  measure.font = css;
  const widths = lines.map((l) => Math.ceil(measure.measureText(l).width));
  const width = margin * 2 + Math.max(...widths.map((w, i) => w + indents[i]!));
  const height = margin * 2 + lineHeight * lines.length;

  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = `rgb(${paper},${paper},${paper})`;
  ctx.fillRect(0, 0, width, height);
  ctx.font = css;
  ctx.fillStyle = `rgb(${ink},${ink},${ink})`;
  ctx.textBaseline = "alphabetic";
  const boxes: RenderedLineBox[] = lines.map((text, i) => {
    const x = margin + indents[i]!;
    const baseline = margin + lineHeight * i + Math.round((lineHeight + size * 0.7) / 2);
    ctx.fillText(text, x, baseline);
    const m = ctx.measureText(text);
    const left = Math.floor(x - m.actualBoundingBoxLeft);
    const top = Math.floor(baseline - m.actualBoundingBoxAscent);
    return {
      text,
      x: left,
      y: top,
      width: Math.ceil(x + m.actualBoundingBoxRight) - left,
      height: Math.ceil(baseline + m.actualBoundingBoxDescent) - top,
    };
  });

  const imageData = ctx.getImageData(0, 0, width, height);
  if (noise > 0) {
    const px = imageData.data;
    const amplitude = noise * 64;
    for (let i = 0; i < px.length; i += 4) {
      const d = (rand() * 2 - 1) * amplitude; // grey noise: the same shift on R, G and B
      px[i] = px[i]! + d; // Uint8ClampedArray clamps and rounds
      px[i + 1] = px[i + 1]! + d;
      px[i + 2] = px[i + 2]! + d;
    }
    ctx.putImageData(imageData, 0, 0);
  }
  const rgba = new Uint8Array(
    imageData.data.buffer.slice(imageData.data.byteOffset, imageData.data.byteOffset + imageData.data.byteLength),
  );
  return { png: canvas.encodeSync("png"), width, height, rgba, font, size, boxes };
}
