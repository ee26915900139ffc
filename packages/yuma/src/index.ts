export { ONE, HALF, LN2, U16_MAX, expNeg, sigmoid, fromU16, toU16 } from "./fixed";
export {
  yumaEpoch,
  liquidAlpha,
  defaultYumaParams,
  YumaInputError,
  type YumaInput,
  type YumaOutput,
  type YumaParams,
  type LiquidAlphaParams,
  type LiquidAlphaConsensusMode,
} from "./epoch";
export { randomSubnet, seededRng, randomInt, randomBigint, type Rng, type RandomSubnetOptions } from "./random";
export {
  simulate,
  type SimOptions,
  type SimResult,
  type SimValidator,
  type SimValidatorKind,
  type SimValidatorResult,
  type SimMinerResult,
} from "./sim";
export { simCli, parseSimArgs, formatSimResult, SIM_USAGE } from "./sim-cli";
