export { buildMinerApp } from "./app";
export type { MinerAnswer, MinerAppOptions } from "./app";
export { startMiner } from "./start";
export type { MinerConfig, RunningMiner } from "./start";
export { MinerSetupError } from "./setup-error";
export { MinerHttpError, errorBody } from "./errors";
export type { ErrorBody, MinerErrorStatus } from "./errors";
export { RequestAuthenticator } from "./auth/authenticator";
export type { AuthenticatedRequest, AuthRejection, RequestAuthenticatorOptions } from "./auth/authenticator";
export { CallerKeys } from "./auth/caller-keys";
export { createEcdsa } from "./auth/ecdsa";
export type { Ecdsa } from "./auth/ecdsa";
export { ResponseSigner } from "./auth/response-signer";
export type { Hotkey } from "./auth/response-signer";
export { AccessPolicy } from "./billing/access";
export type { AccessGrant, AccessPolicyOptions, MinerChainView, ReadOptions } from "./billing/access";
export {
  ContractChainView,
  ChainUnavailableError,
  NotPricedError,
  DEFAULT_CHAIN_VIEW_TTLS,
} from "./billing/chain-view";
export type { ChainViewTtls, ContractChainViewOptions } from "./billing/chain-view";
export { VoucherRedeemer } from "./billing/redeemer";
export type { RedemptionRecord, RedemptionReport, VoucherRedeemerOptions } from "./billing/redeemer";
export { VoucherBook } from "./billing/voucher-book";
export type { HeldVoucher } from "./billing/voucher-book";
export { VoucherVerifier } from "./billing/voucher-verifier";
export { TtlCache } from "./billing/ttl-cache";
export { BoundedQueue } from "./queue";
export { createMinerMetrics } from "./metrics";
export type { MinerMetrics } from "./metrics";
export { loadTask, DEFAULT_MODELS, DEVICES, OCR_MODEL_FILES } from "./tasks/load";
export type { Device, LoadTaskOptions } from "./tasks/load";
export { TextGenerationTask } from "./tasks/text-generation";
export type { TextInput, TextModel, TextOutput } from "./tasks/text-generation";
export { OcrTask, pipelineHash, MAX_IMAGE_BYTES } from "./tasks/ocr";
export type { OcrEngine, OcrInput, OcrOutput } from "./tasks/ocr";
export type { CallLimits, StreamChunk, TaskHandler, TaskResult } from "./tasks/task";
