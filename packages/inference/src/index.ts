// @noosphere/inference: ONNX Runtime sessions (CUDA or CPU), model identity, task pipelines
// (text generation, OCR), tokenizers.
export * from "./session/index";
export * from "./ocr/index";
export * from "./text-generation";
