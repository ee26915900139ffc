export { createLogger, silentLogger } from "./logger";
export type { CreateLoggerOptions, Logger } from "./logger";
export { createRegistry, Counter, Gauge, Histogram, Registry } from "./metrics";
export { resolveConfig, ConfigError } from "./config";
export type { ConfigValue } from "./config";
export { saveKeystore, loadKeystore, KeystoreError } from "./keystore";
export { Shutdown } from "./shutdown";
export type { Cleanup } from "./shutdown";
export { connectRpc, managedSigner, ChainConnectionError } from "./chain";
