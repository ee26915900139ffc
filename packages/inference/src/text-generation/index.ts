/** The `text-generation` task: decoder-only ONNX models, KV-cache generation loop, tokenizers. */
export {
  BUILTIN_MODELS,
  builtinModelPath,
  findModelFile,
  loadTextGenerationModel,
  type BuiltinModelName,
  type LoadTextGenerationModelOptions,
  type TextGenerationModel,
  type TextGenerationModelInfo,
} from "./model";
export {
  DEFAULT_MAX_TOKENS,
  generateText,
  streamText,
  type FinishReason,
  type GenerationContext,
  type Prompt,
  type TextGenerationOptions,
  type TextGenerationResult,
  type TextGenerationStream,
  type TextGenerationUsage,
  type TokenChunk,
} from "./generate";
export {
  DecoderSession,
  describeDecoder,
  type CacheSlot,
  type DecoderIO,
  type DecoderModelConfig,
  type DecoderState,
  type ForwardResult,
} from "./decoder";
export {
  Prng,
  argmax,
  samplingDistribution,
  selectToken,
  type SamplingDistribution,
  type SamplingOptions,
} from "./sampling";
export { createTokenizer, loadTokenizer, type TextTokenizer } from "./tokenizer";
export {
  GraphBuilder,
  type AttributeValue,
  type Dim,
  type ElementType,
  type ModelOptions,
  type TensorData,
} from "./onnx-graph";
