/**
 * `npm run setup:cuda`: installs ONNX Runtime's CUDA execution provider beside onnxruntime-node,
 * opt-in (the CPU build ships in the npm package; the CUDA libraries are ~230 MB).
 *
 * onnxruntime-node's own postinstall fetches them from NuGet (skipped here: .npmrc sets
 * onnxruntime-node-install=skip, and NuGet is not reachable from every machine). This takes them
 * from the npm registry instead: com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9 carries
 * libonnxruntime_providers_{cuda,shared}.so of ONNX Runtime 1.29.0 built for CUDA 13, which
 * must match the installed onnxruntime-node (1.29.0) exactly, so both versions are pinned, and
 * so is the package's integrity hash.
 *
 *   npx tsx packages/inference/scripts/setup-cuda.ts [--ort-dir <onnxruntime-node dir>]
 *       [--tarball <downloaded .tgz>] [--keep]
 *
 * Then it checks what it installed: `ldd` for missing shared libraries (CUDA 13 runtime,
 * cuBLAS, cuRAND, the driver's libcuda), cuDNN 9 on the loader path, and, if a GPU is present,
 * a real CUDA session in a child process. Exit code 0 when the files are installed (even if the
 * checks find something missing: they print what to install), 1 when nothing was installed.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { CUDA_PROVIDER_LIBS, diagnoseCuda, unresolvedLibraries } from "../src/session/cuda";
import { ppOcrV4ModelPaths } from "../src/ocr/models";

const ORT_VERSION = "1.29.0";
const GPU_PACKAGE = "com.github.asus4.onnxruntime.linux-x64-gpu";
const GPU_PACKAGE_VERSION = "0.4.9";
const GPU_PACKAGE_INTEGRITY =
  "sha512-FopIhNE/Ng+v2X65wVc9clPCBCvhvA53Hxo2U0Kf5fGdVsC7iCA+mZ0KLWggcQAj7TIZ6pNidR4AC10g74Xo6w==";
const PATH_IN_PACKAGE = "package/Plugins/Linux/x64";

/** What each library the CUDA provider links against comes from. */
const LIB_HINTS: Record<string, string> = {
  "libcuda.so.1": "the NVIDIA driver (CUDA 13 needs driver >= 580)",
  "libcudart.so.13": "the CUDA 13 runtime (apt: cuda-cudart-13-0, or pip: nvidia-cuda-runtime)",
  "libcublas.so.13": "cuBLAS for CUDA 13 (apt: libcublas-13-0, or pip: nvidia-cublas)",
  "libcublasLt.so.13": "cuBLAS for CUDA 13 (apt: libcublas-13-0, or pip: nvidia-cublas)",
  "libcurand.so.10": "cuRAND for CUDA 13 (apt: libcurand-13-0, or pip: nvidia-curand)",
};

const say = (msg: string): void => console.log(`[setup:cuda] ${msg}`);

class SetupError extends Error {}

interface Args {
  ortDir: string | undefined;
  tarball: string | undefined;
  keep: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { ortDir: undefined, tarball: undefined, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--ort-dir") args.ortDir = resolve(need(argv[++i], a));
    else if (a === "--tarball") args.tarball = resolve(need(argv[++i], a));
    else if (a === "--keep") args.keep = true;
    else if (a === "--help" || a === "-h") {
      console.log("usage: setup-cuda.ts [--ort-dir <onnxruntime-node dir>] [--tarball <.tgz>] [--keep]");
      process.exit(0);
    } else throw new SetupError(`unknown argument ${a} (see --help)`);
  }
  return args;
}

function need(value: string | undefined, flag: string): string {
  if (value === undefined) throw new SetupError(`${flag} needs a value`);
  return value;
}

/** Fetches the pinned package with `npm pack` (registry access through npm's own config). */
function fetchPackage(dest: string): string {
  const spec = `${GPU_PACKAGE}@${GPU_PACKAGE_VERSION}`;
  say(`fetching ${spec} from the npm registry with npm pack (~180 MB) ...`);
  const out = execFileSync("npm", ["pack", spec, "--json", "--pack-destination", dest], {
    cwd: dest,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 << 20,
  });
  const [info] = JSON.parse(out.slice(out.indexOf("["))) as { filename: string; integrity: string }[];
  if (info === undefined) throw new SetupError(`npm pack ${spec} reported nothing`);
  return join(dest, info.filename);
}

function checkIntegrity(tarball: string): void {
  const digest = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
  if (digest !== GPU_PACKAGE_INTEGRITY) {
    throw new SetupError(
      `${tarball} has integrity ${digest}, expected ${GPU_PACKAGE_INTEGRITY} (${GPU_PACKAGE}@${GPU_PACKAGE_VERSION})`,
    );
  }
  say(`integrity ok (${GPU_PACKAGE_INTEGRITY.slice(0, 24)}...)`);
}

function onnxruntimeNodeDir(explicit: string | undefined): string {
  const dir = explicit ?? dirname(require.resolve("onnxruntime-node/package.json"));
  const pkgJson = join(dir, "package.json");
  if (!existsSync(pkgJson)) throw new SetupError(`no onnxruntime-node at ${dir}: run npm install first`);
  const { name, version } = JSON.parse(readFileSync(pkgJson, "utf8")) as { name: string; version: string };
  if (name !== "onnxruntime-node") throw new SetupError(`${dir} holds ${name}, not onnxruntime-node`);
  if (version !== ORT_VERSION) {
    throw new SetupError(
      `onnxruntime-node ${version} is installed, but these CUDA libraries are ONNX Runtime ${ORT_VERSION}'s: ` +
        `the two must match exactly. Pin onnxruntime-node to ${ORT_VERSION}, or update this script's pinned versions.`,
    );
  }
  say(`onnxruntime-node ${version} at ${dir}`);
  return dir;
}

function install(tarball: string, binDir: string, work: string): void {
  const members = CUDA_PROVIDER_LIBS.map((lib) => `${PATH_IN_PACKAGE}/${lib}`);
  execFileSync("tar", ["-xzf", tarball, "-C", work, ...members], { stdio: "inherit" });
  for (const lib of CUDA_PROVIDER_LIBS) {
    const from = join(work, PATH_IN_PACKAGE, lib);
    const to = join(binDir, lib);
    const partial = `${to}.partial`;
    copyFileSync(from, partial); // then rename: a reader never sees half a library
    chmodSync(partial, 0o755);
    renameSync(partial, to);
    say(`installed ${to} (${(statSync(to).size / 1e6).toFixed(1)} MB)`);
  }
}

/** Runs ldd on the CUDA provider and says what each unresolved library is and where it comes from. */
function checkLinkage(binDir: string): string[] {
  const missing = unresolvedLibraries(join(binDir, "libonnxruntime_providers_cuda.so"));
  if (missing === null) {
    say("could not run ldd; skipping the link check");
    return [];
  }
  if (missing.length === 0) say("ldd: every library the CUDA provider links against resolves");
  for (const m of missing)
    say(`ldd: ${m} not found: install ${LIB_HINTS[m] ?? "it"}, or add its folder to LD_LIBRARY_PATH`);
  return missing;
}

/** cuDNN is loaded at run time (dlopen), not linked, so ldd does not list it: look for it. */
function checkCudnn(): boolean {
  const dirs = (process.env.LD_LIBRARY_PATH ?? "").split(":").filter((d) => d !== "");
  for (const dir of dirs) {
    try {
      if (readdirSync(dir).some((f) => f.startsWith("libcudnn.so.9"))) {
        say(`cuDNN 9 found in ${dir}`);
        return true;
      }
    } catch {
      // not a readable folder
    }
  }
  const cache = spawnSync("ldconfig", ["-p"], { encoding: "utf8" });
  if (cache.status === 0 && /libcudnn\.so\.9\b/.test(cache.stdout)) {
    say("cuDNN 9 found in the loader cache");
    return true;
  }
  say(
    "cuDNN 9 not found (LD_LIBRARY_PATH, ldconfig): convolutions on CUDA need it (apt: libcudnn9-cuda-13, or pip: nvidia-cudnn-cu13)",
  );
  return false;
}

/** Opens a CUDA session on the PP-OCR detector and runs it once, in a child process (a CUDA crash stays there). */
function trySession(ortDir: string): boolean {
  const model = ppOcrV4ModelPaths().detection;
  const script = `
    const ort = require(${JSON.stringify(ortDir)});
    (async () => {
      const s = await ort.InferenceSession.create(${JSON.stringify(model)}, { executionProviders: [{ name: "cuda" }] });
      const x = new ort.Tensor("float32", new Float32Array(3 * 64 * 64).fill(0.5), [1, 3, 64, 64]);
      const t0 = Date.now();
      const out = await s.run({ [s.inputNames[0]]: x });
      console.log("ok", out[s.outputNames[0]].dims.join("x"), (Date.now() - t0) + " ms");
    })().catch((e) => { console.log("fail", e.message); process.exit(2); });`;
  const child = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 120_000 });
  const line = (child.stdout ?? "").trim().split("\n").pop() ?? "";
  if (child.status === 0 && line.startsWith("ok")) {
    say(`CUDA session: ran the PP-OCR detector on the GPU (${line.slice(3)})`);
    return true;
  }
  const why = line.startsWith("fail")
    ? line.slice(5)
    : `exit ${child.status ?? child.signal}: ${(child.stderr ?? "").trim().slice(-400)}`;
  say(`CUDA session FAILED: ${why}`);
  return false;
}

function main(): number {
  const args = parseArgs(process.argv.slice(2));
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new SetupError(
      `the CUDA provider is packaged here for linux-x64 only (this is ${process.platform}-${process.arch})`,
    );
  }
  const ortDir = onnxruntimeNodeDir(args.ortDir);
  const binDir = join(ortDir, "bin", "napi-v6", "linux", "x64");
  const work = mkdtempSync(join(tmpdir(), "noos-setup-cuda-"));
  try {
    const tarball = args.tarball ?? fetchPackage(work);
    checkIntegrity(tarball);
    install(tarball, binDir, work);
  } finally {
    if (args.keep) say(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }

  const missingLibs = checkLinkage(binDir);
  const cudnn = checkCudnn();
  const diagnosis = diagnoseCuda({ ortBinDir: binDir });
  let sessionOk: boolean | null = null;
  if (diagnosis.gpu.found) sessionOk = trySession(ortDir);
  else say(`no GPU here (${diagnosis.problems.join("; ")}): skipped the CUDA session check`);

  say("summary:");
  say(`  provider libraries: installed in ${binDir}`);
  say(`  linked libraries:   ${missingLibs.length === 0 ? "all found" : `missing ${missingLibs.join(", ")}`}`);
  say(`  cuDNN 9:            ${cudnn ? "found" : "not found"}`);
  say(`  CUDA session:       ${sessionOk === null ? "not tried (no GPU)" : sessionOk ? "works" : "fails (see above)"}`);
  say("  note: `npm ci` / `npm install` replace node_modules/onnxruntime-node: run this again afterwards");
  return 0;
}

try {
  process.exitCode = main();
} catch (err) {
  if (!(err instanceof SetupError)) throw err;
  console.error(`[setup:cuda] error: ${err.message}`);
  process.exitCode = 1;
}
