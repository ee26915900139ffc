// @noosphere/devnet: the whole network on one machine (`npm run devnet`, src/main.ts). What other
// code uses of it: running one from another process (tests, the bench), its accounts and genesis
// (scripts/deploy.ts deploys a Hardhat chain with them), and its parts, for their own tests.
export { processAlive, spawnDevnet } from "./spawn";
export type { SpawnDevnetOptions, SpawnedDevnet } from "./spawn";
export { readState } from "./state";
export type { DevnetState } from "./state";
export { DEVNET_PASSWORD, devnetAccounts } from "./keys";
export type { DevnetAccounts, NeuronKeys } from "./keys";
export { DEVNET_AMOUNTS, DEVNET_SUBNETS, builtinModels, devnetGenesis } from "./genesis";
export type { GenesisAccounts } from "./genesis";

export { parseDevnetOptions } from "./options";
export type { DevnetOptions } from "./options";
export { DevnetConsole } from "./console";
export { DEVNET_REDIS_DB, flushDevnetRedis, parseRedisUrl, redisAnswers, redisCommands } from "./redis";
export { formatStatus } from "./status";
export type { NetworkStatus, SubnetStatus } from "./status";
export { ProcessGroup, formatLogLine } from "./processes";
export type { ManagedProcess, ProcessGroupOptions } from "./processes";
export { recordChild, startReaper, stopReaper } from "./reaper";
