import { BUILTIN_MODELS, builtinModelPath, loadTextGenerationModel } from "@noosphere/inference";
import type { BuiltinModelName } from "@noosphere/inference";
import { ValidatorConfigError } from "../errors";
import type { ChallengeTask } from "./challenge";
import { OcrChallenges } from "./ocr";
import { TextGenerationChallenges } from "./text-generation";

export type { Challenge, ChallengeTask } from "./challenge";
export { TextGenerationChallenges } from "./text-generation";
export { OcrChallenges } from "./ocr";
export type { OcrChallengeOptions } from "./ocr";
export type { TextChallengeOptions } from "./text-generation";

export interface ChallengeTaskOptions {
  /**
   * Reference model: a folder (Hugging Face style export) or a built-in model name (e.g.
   * "noos-tiny"). It must be the model the subnet allows, or honest miners disagree with it.
   */
  model?: string;
  /** Tokens asked of text-generation miners. */
  maxTokens?: number;
}

/** Builds the challenges of a subnet's task, loading the validator's reference model. */
export async function createChallengeTask(taskId: string, opts: ChallengeTaskOptions = {}): Promise<ChallengeTask> {
  switch (taskId) {
    case "text-generation": {
      const name = (opts.model ?? "noos-tiny").replace(/^builtin:/, "");
      if (!/[/\\]/.test(name) && !(BUILTIN_MODELS as readonly string[]).includes(name)) {
        throw new ValidatorConfigError(
          `--model ${opts.model}: not a folder nor a built-in model (built-in: ${BUILTIN_MODELS.join(", ")})`,
        );
      }
      const dir = /[/\\]/.test(name) ? name : builtinModelPath(name as BuiltinModelName);
      const model = await loadTextGenerationModel(dir);
      return new TextGenerationChallenges(model, { maxTokens: opts.maxTokens ?? 32 });
    }
    case "ocr":
      return new OcrChallenges();
    default:
      throw new ValidatorConfigError(
        `the validator has no challenges for task "${taskId}" (it knows: text-generation, ocr)`,
      );
  }
}
