export {
  createSession,
  loadModel,
  parseDevice,
  CudaUnavailableError,
  UnknownDeviceError,
  DEVICES,
  type Device,
  type Provider,
  type SessionOptions,
  type CreateSessionOptions,
  type CreatedSession,
  type LoadedModel,
} from "./session";
export {
  diagnoseCuda,
  ortBindingDir,
  unresolvedLibraries,
  CUDA_PROVIDER_LIBS,
  SETUP_CUDA_COMMAND,
  type CudaDiagnosis,
  type DiagnoseCudaOptions,
} from "./cuda";
export { sha256File, assertModelAllowed, isBytes32Hex, ModelNotAllowedError, type Bytes32Hex } from "./hash";
export { noopLogger, consoleLogger, type Logger } from "./logger";
