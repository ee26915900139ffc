import type { TextTokenizer } from "@noosphere/inference";

/**
 * Counts prompt tokens the way a model's miners will, so a prompt over the subnet's input limit
 * is refused with 413 before any miner is called. Models the gateway has no tokenizer for are
 * checked by their miners (whose 413 the gateway relays, without charge).
 */
export interface TokenCounter {
  count(modelName: string, text: string): number | undefined;
}

export class TokenizerRegistry implements TokenCounter {
  constructor(private readonly tokenizers: ReadonlyMap<string, TextTokenizer>) {}

  /**
   * Loads the built-in models' tokenizers plus `extra` (model name -> folder holding its
   * tokenizer.json, the folder its miners load the model from).
   */
  static async load(extra: Readonly<Record<string, string>> = {}): Promise<TokenizerRegistry> {
    // Loaded here, not at import: commands that only manage API keys need no ONNX runtime.
    const { BUILTIN_MODELS, builtinModelPath, loadTokenizer } =
      require("@noosphere/inference") as typeof import("@noosphere/inference");
    const dirs: Record<string, string> = {};
    for (const name of BUILTIN_MODELS) dirs[name] = builtinModelPath(name);
    Object.assign(dirs, extra);
    const entries = await Promise.all(
      Object.entries(dirs).map(async ([name, dir]) => [name, await loadTokenizer(dir)] as const),
    );
    return new TokenizerRegistry(new Map(entries));
  }

  count(modelName: string, text: string): number | undefined {
    return this.tokenizers.get(modelName)?.encode(text).length;
  }

  models(): string[] {
    return [...this.tokenizers.keys()];
  }
}
