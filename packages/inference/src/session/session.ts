import { InferenceSession } from "onnxruntime-node";
import { join } from "node:path";
import { diagnoseCuda, SETUP_CUDA_COMMAND, unresolvedLibraries, type CudaDiagnosis } from "./cuda";
import { sha256File, type Bytes32Hex } from "./hash";
import { consoleLogger, type Logger } from "./logger";

/** Where to run: `cuda` (fail if unusable), `cpu`, or `auto` (CUDA when usable, else CPU). */
export type Device = "auto" | "cuda" | "cpu";

/** The execution provider a session actually runs on. */
export type Provider = "cuda" | "cpu";

export const DEVICES: readonly Device[] = ["auto", "cuda", "cpu"];

/** Session options this package passes through (the execution providers are its own choice). */
export type SessionOptions = Omit<InferenceSession.SessionOptions, "executionProviders">;

export interface CreateSessionOptions {
  readonly device?: Device;
  /** Logs the CUDA fallback under `auto` (pino-compatible; default: warnings to the console). */
  readonly logger?: Logger;
  /** CUDA device ordinal (default 0). */
  readonly cudaDeviceId?: number;
  readonly sessionOptions?: SessionOptions;
}

export interface CreatedSession {
  readonly session: InferenceSession;
  readonly provider: Provider;
}

/** A model loaded for serving: its session, where it runs, and its identity. */
export interface LoadedModel extends CreatedSession {
  /** sha256 of the ONNX file as 0x-prefixed hex (the on-chain bytes32 model id). */
  readonly sha256: Bytes32Hex;
  readonly path: string;
}

/** Thrown when device `cuda` was asked for and a CUDA session cannot be made. */
export class CudaUnavailableError extends Error {
  override readonly name = "CudaUnavailableError";
  constructor(
    readonly diagnosis: CudaDiagnosis,
    /** onnxruntime's own error text, when a CUDA session was attempted. */
    readonly ortMessage: string | undefined,
    /** Libraries the installed CUDA provider links against that the loader cannot find. */
    readonly unresolved: readonly string[] = [],
  ) {
    const problems = [...diagnosis.problems];
    if (unresolved.length > 0) {
      problems.push(
        `libonnxruntime_providers_cuda.so cannot find ${unresolved.join(", ")}: install the CUDA 13 ` +
          `libraries and driver they come from, or add their folder to LD_LIBRARY_PATH`,
      );
    }
    const why = problems.length > 0 ? problems.join("; ") : "the checks found nothing missing";
    const ort = ortMessage === undefined ? "" : `; onnxruntime said: ${ortMessage}`;
    const hint =
      problems.length === 0
        ? ` (check that cuDNN 9 for CUDA 13 is on the library path and the driver supports CUDA 13;` +
          ` \`${SETUP_CUDA_COMMAND}\` checks the installation)`
        : "";
    super(`device "cuda" is not usable: ${why}${ort}${hint}`);
  }
}

/** Thrown for an unknown device name (e.g. from a config file or a CLI flag). */
export class UnknownDeviceError extends Error {
  override readonly name = "UnknownDeviceError";
  constructor(readonly device: string) {
    super(`unknown device ${JSON.stringify(device)}: use one of ${DEVICES.join(", ")}`);
  }
}

/** Narrows a config or CLI string to a {@link Device}, or throws {@link UnknownDeviceError}. */
export function parseDevice(value: string): Device {
  if ((DEVICES as readonly string[]).includes(value)) return value as Device;
  throw new UnknownDeviceError(value);
}

/**
 * Opens an ONNX Runtime session on the chosen device and says which provider it got.
 * `cuda` throws {@link CudaUnavailableError} (what is missing, plus onnxruntime's text);
 * `auto` tries CUDA when the cheap checks pass and otherwise, or when that fails, logs a
 * warning and opens the session on the CPU.
 */
export async function createSession(
  modelPath: string | Uint8Array,
  options: CreateSessionOptions = {},
): Promise<CreatedSession> {
  const device = parseDevice(options.device ?? "auto");
  const logger = options.logger ?? consoleLogger;
  const base = options.sessionOptions ?? {};
  const model = typeof modelPath === "string" ? modelPath : "<buffer>";

  if (device !== "cpu") {
    const diagnosis = diagnoseCuda();
    // Under `auto`, attempt CUDA only when nothing is known to be missing (an attempt that cannot
    // succeed only prints ORT's error to stderr). Under `cuda`, always attempt: its error text
    // goes into the message next to what the checks found.
    if (device === "cuda" || diagnosis.likelyUsable) {
      try {
        const session = await open(modelPath, {
          ...base,
          executionProviders: [{ name: "cuda", deviceId: options.cudaDeviceId ?? 0 }],
        });
        logger.debug({ model, provider: "cuda" }, "onnx session on CUDA");
        return { session, provider: "cuda" };
      } catch (err) {
        const ortMessage = err instanceof Error ? err.message : String(err);
        // ORT says only "Failed to load shared library"; ldd names what the provider lacks.
        const unresolved =
          diagnosis.providerLibs.missing.length === 0
            ? (unresolvedLibraries(join(diagnosis.ortBinDir, "libonnxruntime_providers_cuda.so")) ?? [])
            : [];
        const error = new CudaUnavailableError(diagnosis, ortMessage, unresolved);
        if (device === "cuda") throw error;
        logger.warn(
          { model, problems: diagnosis.problems, unresolved, ortMessage },
          `CUDA session failed, falling back to CPU: ${error.message}`,
        );
      }
    } else {
      logger.warn(
        { model, problems: diagnosis.problems },
        `CUDA not usable, falling back to CPU: ${diagnosis.problems.join("; ")}`,
      );
    }
  }

  const session = await open(modelPath, { ...base, executionProviders: ["cpu"] });
  logger.debug({ model, provider: "cpu" }, "onnx session on CPU");
  return { session, provider: "cpu" };
}

/**
 * Loads an ONNX model file for serving: hashes it (streamed, alongside session creation) and
 * opens a session on the chosen device. Check the hash against a subnet's allow-list with
 * `assertModelAllowed(model.sha256, allowList, model.path)`.
 */
export async function loadModel(path: string, options: CreateSessionOptions = {}): Promise<LoadedModel> {
  const [hashed, created] = await Promise.allSettled([sha256File(path), createSession(path, options)]);
  if (hashed.status === "rejected") {
    if (created.status === "fulfilled") await created.value.session.release();
    throw hashed.reason;
  }
  if (created.status === "rejected") throw created.reason;
  return { ...created.value, sha256: hashed.value, path };
}

function open(model: string | Uint8Array, options: InferenceSession.SessionOptions): Promise<InferenceSession> {
  return typeof model === "string" ? InferenceSession.create(model, options) : InferenceSession.create(model, options);
}
