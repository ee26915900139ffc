/** One probe round's challenge: what every miner is sent, and the answer the validator keeps back. */
export interface Challenge {
  /** JSON body of the miner request (the task's wire format). */
  body: unknown;
  /** What a correct answer is (never sent). */
  expected: unknown;
}

/**
 * A task's challenges: made with a known answer (or a reference run), graded on quality alone
 * (latency is applied by the score worker). `grade` must return 0, never throw, for an output of
 * the wrong shape: miners may answer anything.
 */
export interface ChallengeTask {
  readonly taskId: string;
  /** What the validator's own reference is (model name and sha256), for logs and /health. */
  readonly reference: { name: string; sha256?: string };
  create(seed: number): Promise<Challenge>;
  grade(expected: unknown, output: unknown): number;
  close(): Promise<void>;
}
