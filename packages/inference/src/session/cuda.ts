import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";

/** The CUDA execution-provider libraries ORT loads from beside its Node binding. */
export const CUDA_PROVIDER_LIBS = ["libonnxruntime_providers_shared.so", "libonnxruntime_providers_cuda.so"] as const;

/** The command that installs them (packages/inference/scripts/setup-cuda.ts). */
export const SETUP_CUDA_COMMAND = "npm run setup:cuda";

/** What the cheap checks found about CUDA on this machine (no CUDA call is made). */
export interface CudaDiagnosis {
  /** True when nothing below is missing; a CUDA session may still fail (e.g. no cuBLAS). */
  readonly likelyUsable: boolean;
  /** Where onnxruntime-node's binding lives, and so where the provider libraries must be. */
  readonly ortBinDir: string;
  readonly providerLibs: { readonly present: readonly string[]; readonly missing: readonly string[] };
  /** Device nodes seen (/dev/nvidia0.., /dev/nvidiactl, /dev/dxg under WSL) and nvidia-smi on PATH. */
  readonly gpu: { readonly found: boolean; readonly deviceNodes: readonly string[]; readonly nvidiaSmi: string | null };
  /** One sentence per missing part, saying what to do; empty when likelyUsable. */
  readonly problems: readonly string[];
}

export interface DiagnoseCudaOptions {
  /** Directory holding onnxruntime_binding.node; defaults to the installed onnxruntime-node's. */
  readonly ortBinDir?: string;
  /** Where to look for device nodes (default /dev). */
  readonly devDir?: string;
  /** Search path for nvidia-smi (default $PATH). */
  readonly searchPath?: string;
}

/** The directory of the installed onnxruntime-node's native binding for this platform. */
export function ortBindingDir(): string {
  const pkg = dirname(require.resolve("onnxruntime-node/package.json"));
  return join(pkg, "bin", "napi-v6", process.platform, process.arch);
}

/**
 * Checks, cheaply and without touching CUDA, what a CUDA session needs: a supported platform,
 * the provider libraries beside the binding, and an NVIDIA device node. Says what is missing.
 */
export function diagnoseCuda(options: DiagnoseCudaOptions = {}): CudaDiagnosis {
  const ortBinDir = options.ortBinDir ?? ortBindingDir();
  const problems: string[] = [];

  if (process.platform !== "linux" || process.arch !== "x64") {
    problems.push(
      `the CUDA execution provider is set up here for linux-x64 only (this is ${process.platform}-${process.arch})`,
    );
  }

  const present: string[] = [];
  const missing: string[] = [];
  for (const lib of CUDA_PROVIDER_LIBS) (existsSync(join(ortBinDir, lib)) ? present : missing).push(lib);
  if (missing.length > 0) {
    problems.push(
      `the CUDA provider libraries are not installed (${missing.join(", ")} missing from ${ortBinDir}): ` +
        `run \`${SETUP_CUDA_COMMAND}\``,
    );
  }

  const deviceNodes = listGpuDeviceNodes(options.devDir ?? "/dev");
  const nvidiaSmi = findOnPath("nvidia-smi", options.searchPath ?? process.env.PATH ?? "");
  const found = deviceNodes.some((n) => /\/(nvidia\d+|dxg)$/.test(n));
  if (!found) {
    problems.push(
      `no NVIDIA GPU or driver found (no /dev/nvidia0.. device node` +
        (nvidiaSmi === null ? ", no nvidia-smi on PATH" : `; ${nvidiaSmi} exists`) +
        `): run on a machine with an NVIDIA GPU and driver, or use device "cpu"`,
    );
  }

  return {
    likelyUsable: problems.length === 0,
    ortBinDir,
    providerLibs: { present, missing },
    gpu: { found, deviceNodes, nvidiaSmi },
    problems,
  };
}

/**
 * The shared libraries `libPath` links against that the loader cannot find, by `ldd` (e.g.
 * libcublasLt.so.13 for the CUDA provider): ORT's own error only says "Failed to load shared
 * library". Null when ldd cannot be run. Only libraries linked at build time show up; cuDNN,
 * which ORT opens at run time, does not.
 */
export function unresolvedLibraries(libPath: string): string[] | null {
  const ldd = spawnSync("ldd", [libPath], { encoding: "utf8", timeout: 10_000 });
  if (ldd.error !== undefined || typeof ldd.stdout !== "string" || (ldd.status !== 0 && ldd.stdout === "")) return null;
  return ldd.stdout
    .split("\n")
    .filter((line) => line.includes("=> not found"))
    .map((line) => line.trim().split(/\s+/)[0]!);
}

function listGpuDeviceNodes(devDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(devDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^nvidia(\d+|ctl|-uvm)$/.test(n) || n === "dxg")
    .sort()
    .map((n) => join(devDir, n));
}

function findOnPath(command: string, searchPath: string): string | null {
  for (const dir of searchPath.split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}
