/** @noosphere/inference: onnxruntime-node wrapper, model loading, task pipelines, tokenizers. */
export * from "./text-generation";
