import type { Redis } from "ioredis";
import type { Logger } from "@noosphere/node-kit";
import type { BillingAccount } from "./billing/account";
import type { Dispatcher } from "./dispatch";
import type { GatewayMetrics } from "./metrics";
import type { MinerDirectory } from "./routing/directory";
import type { ApiKeyStore } from "./store/api-keys";
import type { UsageStore } from "./store/usage";
import type { TermsCache } from "./terms";
import type { TokenCounter } from "./tokens";

/** Everything the gateway's routes use; built by createGatewayServices (or by a test). */
export interface GatewayServices {
  redis: Redis;
  apiKeys: ApiKeyStore;
  usage: UsageStore;
  directory: MinerDirectory;
  dispatcher: Dispatcher;
  account: BillingAccount;
  terms: TermsCache;
  tokens: TokenCounter;
  metrics: GatewayMetrics;
  logger: Logger;
  chainId: number;
  /** Largest OCR image accepted, in bytes (larger is refused with 413 before any miner is called). */
  maxImageBytes: number;
}
