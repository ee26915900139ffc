// @noosphere/deploy: the code that deploys Noosphere, shared by `scripts/deploy.ts`, the devnet and
// every test: one deploy function per contract, the whole network with its role wiring, the
// genesis and the hand-over of every role to the DAO timelock.
export { deployToken } from "./token";
export type { DeployTokenOptions } from "./token";
export { deployEmission } from "./emission";
export type { DeployEmissionOptions } from "./emission";
export { configureStaking, deployStaking, grantStakingRewarder } from "./staking";
export type { DeployStakingOptions, StakingParams } from "./staking";
export { createSubnet, deploySubnetRegistry, registerNeuron, subnetParams } from "./subnets";
export type { DeploySubnetRegistryOptions, SubnetParams } from "./subnets";
export {
  consensusParams,
  deployConsensus,
  deployConsensusHarness,
  deployConsensusLibraries,
  grantConsensusRoles,
} from "./consensus";
export type {
  ConsensusDeps,
  ConsensusLibraries,
  ConsensusOverrides,
  ConsensusParams,
  ConsensusParamsOutput,
} from "./consensus";
export { MODEL_REGISTRY_DEFAULTS, deployModelRegistry } from "./models";
export type { DeployModelRegistryOptions } from "./models";
export { BILLING_DEFAULTS, MINTER_ROLE, deployBilling, grantMinter } from "./billing";
export type { DeployBillingOptions } from "./billing";
export {
  CANCELLER_ROLE,
  DEFAULT_ADMIN_ROLE,
  EXECUTOR_ROLE,
  GOVERNANCE_DEVNET_DEFAULTS,
  PARAMS_ROLE,
  PROPOSER_ROLE,
  deployGovernance,
  handRolesToTimelock,
} from "./governance";
export type { DeployGovernanceOptions, Governance } from "./governance";
export {
  DEVNET_GOVERNANCE,
  PRODUCTION_GOVERNANCE,
  deployNoosphere,
  governanceFor,
  handOverToTimelock,
  toDeployment,
} from "./deploy-all";
export type { GovernanceSettings, Log, NoosphereContracts } from "./deploy-all";
export { applyGenesis } from "./genesis";
export type { Genesis, GenesisModel, TierPriceSetting } from "./genesis";
export { launchNoosphere, liveDeployment } from "./launch";
export type { LaunchOptions, Launched } from "./launch";
