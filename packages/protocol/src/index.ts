export { wireDomain } from "./domain";
export {
  HEADERS,
  bodyHash,
  requestHash,
  requestHeaders,
  requestTypes,
  signRequest,
  verifyRequest,
  NonceRegistry,
  RequestVerificationError,
} from "./request";
export type {
  InferenceRequest,
  RequestRejection,
  SignRequestOptions,
  SignedRequest,
  VerifyRequestOptions,
} from "./request";
export { outputHash, recoverResponseSigner, responseDigest, responseTypes, signResponse } from "./response";
export type { InferenceResponse } from "./response";
export {
  TIERS,
  voucherTypes,
  voucherDomain,
  signVoucher,
  recoverVoucherSigner,
  encodeVoucherHeader,
  decodeVoucherHeader,
} from "./voucher";
export type { TierName, Voucher } from "./voucher";
export {
  addressOfPublicKey,
  recoverDigestSigner,
  recoverTypedDataSigner,
  signTypedData,
  typedDataDigest,
  typedDataDigestBytes,
} from "./crypto";
export { keccak256Bytes, keccak256Hex, keccakBackend } from "./keccak";
export { ecdsaBackend, nativeSecp256k1 } from "./secp256k1";
export type { NativeSecp256k1 } from "./secp256k1";
