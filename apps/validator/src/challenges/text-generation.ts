import type { TextGenerationModel } from "@noosphere/inference";
import type { Challenge, ChallengeTask } from "./challenge";
import PROMPTS from "./prompts.json";
import { tokenAgreement } from "../score/agreement";

export interface TextChallengeOptions {
  /** Tokens asked for (the subnet's per-call output limit must allow it). */
  maxTokens: number;
  /** Prompts to draw from (default: the bundled set). */
  prompts?: readonly string[];
}

interface TextExpected {
  text: string;
  tokens: number[];
}

/**
 * `text-generation` challenges: a prompt from a bundled set, answered greedily by the subnet's
 * reference model run by the validator itself; a miner's answer is graded by token agreement
 * with that run (an honest miner serving the same model agrees on every token).
 */
export class TextGenerationChallenges implements ChallengeTask {
  readonly taskId = "text-generation";
  private readonly prompts: readonly string[];

  constructor(
    private readonly model: TextGenerationModel,
    private readonly opts: TextChallengeOptions,
  ) {
    this.prompts = opts.prompts ?? (PROMPTS as string[]);
    if (this.prompts.length === 0) throw new Error("no prompts to make text-generation challenges from");
  }

  get reference(): { name: string; sha256: string } {
    return { name: this.model.info.name, sha256: this.model.info.sha256 };
  }

  async create(seed: number): Promise<Challenge> {
    const prompt = this.prompts[Math.abs(seed) % this.prompts.length] as string;
    const ref = await this.model.generate(prompt, { maxTokens: this.opts.maxTokens, temperature: 0 });
    const expected: TextExpected = { text: ref.text, tokens: this.tokens(ref.text) };
    return {
      body: { prompt, max_tokens: this.opts.maxTokens, temperature: 0, seed },
      expected,
    };
  }

  grade(expected: unknown, output: unknown): number {
    const e = expected as TextExpected;
    const text = (output as { text?: unknown } | null)?.text;
    if (typeof text !== "string") return 0;
    return tokenAgreement(e.tokens, this.tokens(text));
  }

  close(): Promise<void> {
    return this.model.close();
  }

  private tokens(text: string): number[] {
    return this.model.tokenizer.encode(text, { addSpecialTokens: false });
  }
}
