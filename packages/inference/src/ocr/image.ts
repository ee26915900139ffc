import { createCanvas, loadImage } from "@napi-rs/canvas";

/** Raw pixels, 4 bytes per pixel (R, G, B, A), row-major, no row padding. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/** What the OCR pipeline accepts: raw RGBA pixels, or the bytes of a PNG or JPEG file. */
export type OcrInput = RgbaImage | Buffer | Uint8Array;

/** Pixels as 3 bytes per pixel, R, G, B (alpha already composited over white). */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** A bad OCR input (unknown format, wrong size, too large): the caller's fault, a 400. */
export class OcrInputError extends Error {
  override readonly name = "OcrInputError";
}

/** Default cap on decoded pixels (a 16-megapixel image), against decompression bombs. */
export const DEFAULT_MAX_IMAGE_PIXELS = 4096 * 4096;

export type ImageFormat = "png" | "jpeg";

/** Recognises PNG and JPEG by their magic bytes. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    return "png";
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "jpeg";
  return null;
}

function isRgbaImage(input: OcrInput): input is RgbaImage {
  return !ArrayBuffer.isView(input) && typeof input === "object" && input !== null && "data" in input;
}

/**
 * Turns an input into RGB pixels: checks raw RGBA for a consistent size, decodes PNG/JPEG bytes
 * with @napi-rs/canvas (drawn over white, so transparency reads as paper), and composites alpha.
 */
export async function toRgb(input: OcrInput, maxPixels = DEFAULT_MAX_IMAGE_PIXELS): Promise<RgbImage> {
  if (isRgbaImage(input)) {
    const { width, height, data } = input;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new OcrInputError(`image size must be positive integers, got ${width}x${height}`);
    }
    checkPixels(width, height, maxPixels);
    if (data.length !== width * height * 4) {
      throw new OcrInputError(
        `RGBA data has ${data.length} bytes, expected ${width}x${height}x4 = ${width * height * 4}`,
      );
    }
    return rgbaToRgb(width, height, data);
  }
  const bytes = input;
  const format = sniffImageFormat(bytes);
  if (format === null)
    throw new OcrInputError("unsupported image: expected PNG or JPEG bytes, or { width, height, data } RGBA");
  let image;
  try {
    image = await loadImage(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  } catch (err) {
    throw new OcrInputError(`cannot decode ${format}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const { width, height } = image;
  if (width <= 0 || height <= 0) throw new OcrInputError(`cannot decode ${format}: empty image`);
  checkPixels(width, height, maxPixels);
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, width, height);
  ctx.drawImage(image, 0, 0);
  return rgbaToRgb(width, height, ctx.getImageData(0, 0, width, height).data);
}

function checkPixels(width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) {
    throw new OcrInputError(`image ${width}x${height} exceeds the ${maxPixels}-pixel limit`);
  }
}

function rgbaToRgb(width: number, height: number, rgba: Uint8Array | Uint8ClampedArray): RgbImage {
  const n = width * height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const a = rgba[i * 4 + 3]!;
    if (a === 255) {
      out[i * 3] = rgba[i * 4]!;
      out[i * 3 + 1] = rgba[i * 4 + 1]!;
      out[i * 3 + 2] = rgba[i * 4 + 2]!;
    } else {
      const bg = 255 - a; // over white: c * a/255 + 255 * (1 - a/255)
      out[i * 3] = Math.round((rgba[i * 4]! * a) / 255 + bg);
      out[i * 3 + 1] = Math.round((rgba[i * 4 + 1]! * a) / 255 + bg);
      out[i * 3 + 2] = Math.round((rgba[i * 4 + 2]! * a) / 255 + bg);
    }
  }
  return { width, height, data: out };
}

/**
 * Bilinear resize (OpenCV INTER_LINEAR's half-pixel mapping, edge clamped) of an RGB image
 * straight into a normalised float32 CHW tensor slot: channel c of output pixel (x, y) is
 * written to out[offset + c * planeStride + y * rowStride + x] as (v * scale[c] + shift[c]).
 * Channels are written in BGR order (PaddleOCR models are trained on OpenCV's BGR).
 */
export function resizeNormaliseInto(
  src: RgbImage,
  dstW: number,
  dstH: number,
  out: Float32Array,
  layout: { offset: number; planeStride: number; rowStride: number },
  scale: readonly [number, number, number],
  shift: readonly [number, number, number],
): void {
  const { width: sw, height: sh, data } = src;
  const fx = sw / dstW;
  const fy = sh / dstH;
  const xs0 = new Int32Array(dstW);
  const xs1 = new Int32Array(dstW);
  const wx = new Float32Array(dstW);
  for (let x = 0; x < dstW; x++) {
    let sx = (x + 0.5) * fx - 0.5;
    if (sx < 0) sx = 0;
    const x0 = Math.min(Math.floor(sx), sw - 1);
    xs0[x] = x0 * 3;
    xs1[x] = Math.min(x0 + 1, sw - 1) * 3;
    wx[x] = sx - x0;
  }
  const { offset, planeStride, rowStride } = layout;
  for (let y = 0; y < dstH; y++) {
    let sy = (y + 0.5) * fy - 0.5;
    if (sy < 0) sy = 0;
    const y0 = Math.min(Math.floor(sy), sh - 1);
    const y1 = Math.min(y0 + 1, sh - 1);
    const wy = sy - y0;
    const r0 = y0 * sw * 3;
    const r1 = y1 * sw * 3;
    const rowOut = offset + y * rowStride;
    for (let x = 0; x < dstW; x++) {
      const a = wx[x]!;
      const i00 = r0 + xs0[x]!;
      const i01 = r0 + xs1[x]!;
      const i10 = r1 + xs0[x]!;
      const i11 = r1 + xs1[x]!;
      for (let c = 0; c < 3; c++) {
        const top = data[i00 + c]! + (data[i01 + c]! - data[i00 + c]!) * a;
        const bot = data[i10 + c]! + (data[i11 + c]! - data[i10 + c]!) * a;
        const v = top + (bot - top) * wy;
        const bgr = 2 - c; // R goes to plane 2, B to plane 0
        out[rowOut + bgr * planeStride + x] = v * scale[bgr]! + shift[bgr]!;
      }
    }
  }
}
