/** Per-call limits a subnet sets for a tier (larger calls are refused with 413). */
export interface CallLimits {
  maxInputTokens: number;
  maxOutputTokens: number;
}

export interface TaskResult<O> {
  output: O;
  /** Work units for metrics: generated tokens for text, recognised lines for OCR. */
  units: number;
}

export interface StreamChunk {
  delta: string;
}

/**
 * One subnet task served by a miner: it validates a request body (400 malformed, 413 over the
 * subnet's limits) and runs the model. Implementations wrap packages/inference pipelines.
 */
export interface TaskHandler<I = unknown, O = unknown> {
  readonly taskId: string;
  readonly modelName: string;
  /** sha256 of the ONNX model(s) served, 0x-hex: what the axon declares on-chain. */
  readonly modelHash: string;
  /** Execution provider actually in use: "cuda" or "cpu". */
  readonly provider: string;
  /**
   * True when an aborted run stops within one short model step (text generation, token by token):
   * the miner may then start the model while it still checks the caller, and aborts it if the
   * caller is refused. False: callers are admitted before the model starts.
   */
  readonly speculative?: boolean;
  /**
   * Jobs the task takes beyond those it runs at once: they wait inside it and start the moment
   * the model is free, with no round trip to the HTTP thread (the engine thread takes 1).
   */
  readonly handoff?: number;
  /** Largest request body this task reads, in bytes (default: the app's body limit). */
  readonly maxBodyBytes?: number;
  parse(body: unknown, limits: CallLimits): I;
  run(input: I, signal: AbortSignal): Promise<TaskResult<O>>;
  /** Streams deltas when the input asked for it; the final value is the whole result. */
  stream?(input: I, signal: AbortSignal): AsyncGenerator<StreamChunk, TaskResult<O>>;
  wantsStream?(input: I): boolean;
  close(): Promise<void>;
}
