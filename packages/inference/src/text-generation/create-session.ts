/**
 * Session creation for text generation, kept in one small function so the package's shared
 * session factory (execution-provider choice) can replace it in one place.
 */
import * as ort from "onnxruntime-node";

export type ExecutionProviders = NonNullable<ort.InferenceSession.SessionOptions["executionProviders"]>;

export interface CreateSessionOptions {
  /** Execution providers in order of preference; default ["cpu"]. */
  readonly executionProviders?: ExecutionProviders;
}

export async function createSession(
  modelPath: string,
  options: CreateSessionOptions = {},
): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(modelPath, {
    executionProviders: options.executionProviders ?? ["cpu"],
  });
}
