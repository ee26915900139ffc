import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ppOcrV4ModelPaths } from "../ocr/models";
import { assertModelAllowed, isBytes32Hex, ModelNotAllowedError, sha256File } from "./hash";

const sha256sum = (path: string): string =>
  `0x${execFileSync("sha256sum", [path], { encoding: "utf8" }).split(" ")[0]}`;

describe("sha256File", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "noos-hash-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("matches sha256sum on the ONNX models", async () => {
    const { detection, recognition } = ppOcrV4ModelPaths();
    for (const path of [detection, recognition]) {
      const hash = await sha256File(path);
      expect(hash).toBe(sha256sum(path));
      expect(isBytes32Hex(hash)).toBe(true);
    }
  });

  it("matches sha256sum on an empty file and on one spanning several read chunks", async () => {
    const empty = join(dir, "empty.bin");
    writeFileSync(empty, Buffer.alloc(0));
    expect(await sha256File(empty)).toBe("0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const big = join(dir, "big.bin");
    writeFileSync(big, randomBytes(3 * (1 << 20) + 123));
    expect(await sha256File(big)).toBe(sha256sum(big));
  });

  it("rejects for a missing file", async () => {
    await expect(sha256File(join(dir, "nope.onnx"))).rejects.toThrow(/ENOENT/);
  });
});

describe("assertModelAllowed", () => {
  const a = `0x${"ab".repeat(32)}`;
  const b = `0x${"cd".repeat(32)}`;

  it("passes a listed hash, whatever the case or 0x prefix of the list", () => {
    expect(() => assertModelAllowed(a, [b, a])).not.toThrow();
    expect(() => assertModelAllowed(a.toUpperCase().replace("0X", "0x"), [b, "AB".repeat(32)])).not.toThrow();
  });

  it("treats an empty list as no restriction", () => {
    expect(() => assertModelAllowed(a, [])).not.toThrow();
  });

  it("throws ModelNotAllowedError naming the model and the list", () => {
    let err: unknown;
    try {
      assertModelAllowed(a, [b], "/models/x.onnx");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelNotAllowedError);
    const e = err as ModelNotAllowedError;
    expect(e.hash).toBe(a);
    expect(e.allowList).toEqual([b]);
    expect(e.message).toContain("/models/x.onnx");
    expect(e.message).toContain(a);
    expect(e.message).toContain(b);
    expect(e.message).toMatch(/not on the subnet's allow-list/);
  });

  it("rejects malformed hashes and list entries", () => {
    expect(() => assertModelAllowed("0x1234", [a])).toThrow(TypeError);
    expect(() => assertModelAllowed(a, ["not-a-hash"])).toThrow(/allow-list entry 0/);
    expect(() => assertModelAllowed(`0x${"zz".repeat(32)}`, [])).toThrow(TypeError);
  });
});
