export {
  createOcrPipeline,
  OcrPipelineClosedError,
  type OcrPipeline,
  type OcrPipelineOptions,
  type OcrLine,
  type OcrResult,
  type OcrTimings,
} from "./pipeline";
export { OcrInputError, DEFAULT_MAX_IMAGE_PIXELS, type OcrInput, type RgbaImage } from "./image";
export { ppOcrV4ModelPaths, type OcrModelPaths } from "./models";
export type { Point, Quad } from "./geometry";
export {
  renderTextImage,
  seededRandom,
  RENDER_FONTS,
  type RenderFont,
  type RenderTextOptions,
  type RenderedText,
  type RenderedLineBox,
} from "./render";
export { characterErrorRate, levenshtein, normalizeText, type CerOptions } from "./cer";
