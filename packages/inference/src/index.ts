// @noosphere/inference: ONNX Runtime sessions (CUDA or CPU), model identity, task pipelines.
export * from "./session/index";
export * from "./ocr/index";
