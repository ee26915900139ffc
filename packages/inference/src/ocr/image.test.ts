import { createCanvas } from "@napi-rs/canvas";
import { OcrInputError, sniffImageFormat, toRgb } from "./image";

describe("toRgb", () => {
  it("takes raw RGBA, compositing transparency over white", async () => {
    const data = new Uint8Array([10, 20, 30, 255, 0, 0, 0, 0, 200, 100, 0, 128]);
    const rgb = await toRgb({ width: 3, height: 1, data });
    expect(Array.from(rgb.data)).toEqual([10, 20, 30, 255, 255, 255, 227, 177, 127]);
  });

  it("decodes PNG and JPEG, reading transparent PNG areas as white paper", async () => {
    const canvas = createCanvas(8, 4);
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "rgb(0, 0, 255)";
    ctx.fillRect(0, 0, 4, 4); // the right half stays transparent
    const png = await toRgb(canvas.encodeSync("png"));
    expect([png.width, png.height]).toEqual([8, 4]);
    expect(Array.from(png.data.subarray(0, 3))).toEqual([0, 0, 255]);
    expect(Array.from(png.data.subarray(7 * 3, 8 * 3))).toEqual([255, 255, 255]);
    const jpeg = canvas.encodeSync("jpeg", 95);
    expect(sniffImageFormat(jpeg)).toBe("jpeg");
    const fromJpeg = await toRgb(jpeg);
    expect([fromJpeg.width, fromJpeg.height]).toEqual([8, 4]);
    expect(fromJpeg.data[2]).toBeGreaterThan(200); // still blue, give or take JPEG
  });

  it("accepts a plain Uint8Array of PNG bytes", async () => {
    const png = createCanvas(3, 2).encodeSync("png");
    const rgb = await toRgb(new Uint8Array(png));
    expect([rgb.width, rgb.height]).toEqual([3, 2]);
  });

  it("refuses unknown formats, corrupt files, inconsistent sizes and oversized images", async () => {
    await expect(toRgb(Buffer.from("GIF89a......"))).rejects.toThrow(
      new OcrInputError("unsupported image: expected PNG or JPEG bytes, or { width, height, data } RGBA"),
    );
    const png = createCanvas(3, 2).encodeSync("png");
    await expect(toRgb(png.subarray(0, 20))).rejects.toThrow(/cannot decode png/);
    await expect(toRgb({ width: 2, height: 2, data: new Uint8Array(15) })).rejects.toThrow(
      /15 bytes, expected 2x2x4 = 16/,
    );
    await expect(toRgb({ width: 0, height: 2, data: new Uint8Array(0) })).rejects.toThrow(OcrInputError);
    await expect(toRgb({ width: 1.5, height: 2, data: new Uint8Array(12) })).rejects.toThrow(OcrInputError);
    await expect(toRgb({ width: 100, height: 100, data: new Uint8Array(40000) }, 9999)).rejects.toThrow(
      /exceeds the 9999-pixel limit/,
    );
    await expect(toRgb(createCanvas(100, 100).encodeSync("png"), 9999)).rejects.toThrow(/exceeds/);
  });
});
