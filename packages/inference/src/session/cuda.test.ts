import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CUDA_PROVIDER_LIBS, diagnoseCuda, ortBindingDir, unresolvedLibraries } from "./cuda";
import { CudaUnavailableError } from "./session";

// Real directories standing in for the binding folder, /dev and $PATH of machines with and
// without CUDA: the checks only look at the file system.
describe("diagnoseCuda", () => {
  let root: string;
  let bin: string;
  let dev: string;
  let path: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "noos-cuda-"));
    for (const d of ["bin", "dev", "path"]) mkdirSync(join(root, d));
    [bin, dev, path] = ["bin", "dev", "path"].map((d) => join(root, d)) as [string, string, string];
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const onLinuxX64 = process.platform === "linux" && process.arch === "x64";

  it("names the missing provider libraries and the missing GPU", () => {
    const d = diagnoseCuda({ ortBinDir: bin, devDir: dev, searchPath: path });
    expect(d.likelyUsable).toBe(false);
    expect(d.providerLibs.missing).toEqual([...CUDA_PROVIDER_LIBS]);
    expect(d.gpu).toEqual({ found: false, deviceNodes: [], nvidiaSmi: null });
    expect(d.problems.join("\n")).toContain("run `npm run setup:cuda`");
    expect(d.problems.join("\n")).toContain("no NVIDIA GPU or driver found");
    expect(d.problems.join("\n")).toContain("no nvidia-smi on PATH");
  });

  it("finds libraries, device nodes and nvidia-smi when they are there", () => {
    for (const lib of CUDA_PROVIDER_LIBS) writeFileSync(join(bin, lib), "");
    for (const node of ["nvidia0", "nvidiactl", "nvidia-uvm", "null"]) writeFileSync(join(dev, node), "");
    writeFileSync(join(path, "nvidia-smi"), "#!/bin/sh\n");
    chmodSync(join(path, "nvidia-smi"), 0o755);
    const d = diagnoseCuda({ ortBinDir: bin, devDir: dev, searchPath: path });
    expect(d.providerLibs).toEqual({ present: [...CUDA_PROVIDER_LIBS], missing: [] });
    expect(d.gpu.found).toBe(true);
    expect(d.gpu.deviceNodes).toEqual(["nvidia-uvm", "nvidia0", "nvidiactl"].map((n) => join(dev, n)));
    expect(d.gpu.nvidiaSmi).toBe(join(path, "nvidia-smi"));
    expect(d.likelyUsable).toBe(onLinuxX64);
  });

  it("does not count a control node alone as a GPU, and reports a stray nvidia-smi", () => {
    for (const lib of CUDA_PROVIDER_LIBS) writeFileSync(join(bin, lib), "");
    writeFileSync(join(dev, "nvidiactl"), "");
    writeFileSync(join(path, "nvidia-smi"), "");
    chmodSync(join(path, "nvidia-smi"), 0o755);
    const d = diagnoseCuda({ ortBinDir: bin, devDir: dev, searchPath: path });
    expect(d.gpu.found).toBe(false);
    expect(d.problems).toHaveLength(onLinuxX64 ? 1 : 2);
    expect(d.problems.join("\n")).toContain(`${join(path, "nvidia-smi")} exists`);
  });

  it("reports one missing library alone", () => {
    writeFileSync(join(bin, "libonnxruntime_providers_shared.so"), "");
    writeFileSync(join(dev, "dxg"), ""); // WSL2's GPU node
    const d = diagnoseCuda({ ortBinDir: bin, devDir: dev, searchPath: path });
    expect(d.providerLibs.missing).toEqual(["libonnxruntime_providers_cuda.so"]);
    expect(d.gpu.found).toBe(true);
    expect(d.problems).toHaveLength(onLinuxX64 ? 1 : 2);
  });

  it("looks beside the installed onnxruntime-node binding by default", () => {
    expect(diagnoseCuda().ortBinDir).toBe(ortBindingDir());
    expect(ortBindingDir()).toMatch(/onnxruntime-node[/\\]bin[/\\]napi-v6[/\\]/);
  });
});

describe("unresolvedLibraries", () => {
  const binding = join(ortBindingDir(), "onnxruntime_binding.node");
  const lddWorks = unresolvedLibraries(binding) !== null;

  (lddWorks ? it : it.skip)("finds nothing missing for the installed binding", () => {
    expect(unresolvedLibraries(binding)).toEqual([]);
  });

  (lddWorks ? it : it.skip)("names a library the loader cannot find", () => {
    // The binding finds libonnxruntime.so.1 through RUNPATH $ORIGIN: alone in a folder, it cannot.
    const dir = mkdtempSync(join(tmpdir(), "noos-ldd-"));
    try {
      copyFileSync(binding, join(dir, "onnxruntime_binding.node"));
      expect(unresolvedLibraries(join(dir, "onnxruntime_binding.node"))).toEqual(["libonnxruntime.so.1"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("CudaUnavailableError", () => {
  it("puts the checks' findings, the unresolved libraries and onnxruntime's text in one message", () => {
    const root = mkdtempSync(join(tmpdir(), "noos-cuda-err-"));
    try {
      for (const lib of CUDA_PROVIDER_LIBS) writeFileSync(join(root, lib), "");
      writeFileSync(join(root, "nvidia0"), "");
      const diagnosis = diagnoseCuda({ ortBinDir: root, devDir: root, searchPath: "" });
      const e = new CudaUnavailableError(diagnosis, "Failed to load shared library", [
        "libcublasLt.so.13",
        "libcuda.so.1",
      ]);
      expect(e.message).toContain("libonnxruntime_providers_cuda.so cannot find libcublasLt.so.13, libcuda.so.1");
      expect(e.message).toContain("onnxruntime said: Failed to load shared library");
      expect(e.unresolved).toEqual(["libcublasLt.so.13", "libcuda.so.1"]);
      if (diagnosis.likelyUsable) {
        const bare = new CudaUnavailableError(diagnosis, "CUDNN failure 4");
        expect(bare.message).toMatch(
          /the checks found nothing missing; onnxruntime said: CUDNN failure 4 \(check that cuDNN 9/,
        );
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
