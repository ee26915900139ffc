/** @noosphere/inference: ONNX Runtime sessions (CUDA or CPU), model identity, task pipelines, tokenizers. */
export * from "./text-generation";
// The session module's createSession and sha256File collide with text-generation's; the
// text-generation ones stay the package's (merge resolution on the validator branch).
export {
  loadModel,
  parseDevice,
  CudaUnavailableError,
  UnknownDeviceError,
  DEVICES,
  type Device,
  type Provider,
  type SessionOptions,
  type CreatedSession,
  type LoadedModel,
  diagnoseCuda,
  ortBindingDir,
  unresolvedLibraries,
  CUDA_PROVIDER_LIBS,
  SETUP_CUDA_COMMAND,
  type CudaDiagnosis,
  type DiagnoseCudaOptions,
  assertModelAllowed,
  isBytes32Hex,
  ModelNotAllowedError,
  type Bytes32Hex,
  noopLogger,
  consoleLogger,
} from "./session/index";
export * from "./ocr/index";
