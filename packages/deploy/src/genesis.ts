import type { Signer } from "ethers";
import { configureStaking } from "./staking";
import type { StakingParams } from "./staking";
import { consensusParams } from "./consensus";
import type { ConsensusOverrides } from "./consensus";
import type { GovernanceSettings, NoosphereContracts, Log } from "./deploy-all";

export interface TierPriceSetting {
  netuid: number;
  /** 0 standard (GPU), 1 batch (CPU). */
  tier: number;
  /** USD micro-units per request. */
  usdMicros: bigint;
  maxInputTokens?: number;
  maxOutputTokens?: number;
}

export interface GenesisModel {
  /** sha256 of the ONNX file, 0x-hex. */
  hash: string;
  name: string;
  uri: string;
  license: string;
  royaltyBps: number;
  /** Who owns it (and earns its royalty); default the deployer. */
  owner?: string;
}

/** What the chain starts with, set by the deployer before it hands every role to the timelock. */
export interface Genesis {
  /** NOOS minted at genesis (the deployer holds MINTER_ROLE until the hand-over). */
  allocations: { account: string; amount: bigint }[];
  /** Emission share of each subnet, basis points of every block (the rest goes to the treasury). */
  emissionShares: { netuid: number; bps: number }[];
  staking: StakingParams;
  /** Tokens createSubnet locks. */
  subnetLockCost: bigint;
  consensus: { netuid: number; params: ConsensusOverrides }[];
  billing: {
    /** USD micro-units per NOOS. */
    usdMicrosPerNoos: bigint;
    /** 1e18 = 100%; default the contract's (0.975). */
    mintRatio?: bigint;
    treasuryBps?: number;
    /** Seconds. */
    thawPeriod?: number;
    signerRevokeDelay?: number;
    prices: TierPriceSetting[];
  };
  models: GenesisModel[];
  /**
   * Model registry contests (set after the genesis models are registered and handed on): seconds a
   * new registration's royalties stay frozen, and the NOOS bond a contest locks. Default: the
   * contract's as deployed (no challenge period, no bond).
   */
  modelContests?: { challengePeriod: number; contestBond: bigint };
  /**
   * The DAO's timing and thresholds. Off a devnet the production settings apply unless these name
   * others (scripts/deploy.ts, PRODUCTION_GOVERNANCE); a Hardhat devnet uses DEVNET_GOVERNANCE.
   */
  governance?: GovernanceSettings;
}

/**
 * Applies `genesis` with the deployer's setup roles (see deployNoosphere): mints the allocations,
 * sets emission shares, staking, subnet, consensus and billing parameters, registers the models.
 * Each step is skipped when the chain already has that value, so a re-run is harmless.
 */
export async function applyGenesis(
  c: NoosphereContracts,
  deployer: Signer,
  genesis: Genesis,
  log: Log = () => {},
): Promise<void> {
  const me = await deployer.getAddress();
  const send = async (tx: Promise<{ wait(): Promise<unknown> }>) => (await tx).wait();

  if (genesis.allocations.length > 0) {
    const minter = await c.token.MINTER_ROLE();
    if (!(await c.token.hasRole(minter, me))) await send(c.token.grantRole(minter, me));
    let total = 0n;
    for (const { account, amount } of genesis.allocations) {
      if ((await c.token.balanceOf(account)) >= amount) continue;
      await send(c.token.mint(account, amount));
      total += amount;
    }
    log(`minted ${fmt(total)} NOOS to ${genesis.allocations.length} genesis accounts`);
  }

  for (const { netuid, bps } of genesis.emissionShares) {
    if (Number(await c.emission.emissionShare(netuid)) !== bps) await send(c.emission.setEmissionShare(netuid, bps));
  }
  await configureStaking(c.staking, genesis.staking);
  if ((await c.subnets.lockCost()) !== genesis.subnetLockCost)
    await send(c.subnets.setLockCost(genesis.subnetLockCost));

  for (const { netuid, params } of genesis.consensus) {
    await send(c.consensus.setParams(netuid, consensusParams(await c.consensus.paramsOf(netuid), params)));
  }

  const b = genesis.billing;
  const [rate] = await c.billing.rate();
  if (rate !== b.usdMicrosPerNoos) await send(c.billing.setRate(b.usdMicrosPerNoos));
  if (b.mintRatio !== undefined && (await c.billing.mintRatio()) !== b.mintRatio)
    await send(c.billing.setMintRatio(b.mintRatio));
  if (b.treasuryBps !== undefined && Number(await c.billing.treasuryBps()) !== b.treasuryBps) {
    await send(c.billing.setTreasuryShare(b.treasuryBps));
  }
  if (b.thawPeriod !== undefined && Number(await c.billing.thawPeriod()) !== b.thawPeriod) {
    await send(c.billing.setThawPeriod(b.thawPeriod));
  }
  if (b.signerRevokeDelay !== undefined && Number(await c.billing.signerRevokeDelay()) !== b.signerRevokeDelay) {
    await send(c.billing.setSignerRevokeDelay(b.signerRevokeDelay));
  }
  for (const p of b.prices) {
    const [usdMicros, maxIn, maxOut] = await c.billing.tierPrice(p.netuid, p.tier);
    if (usdMicros !== p.usdMicros) await send(c.billing.setPrice(p.netuid, p.tier, p.usdMicros));
    const wantIn = p.maxInputTokens ?? Number(maxIn);
    const wantOut = p.maxOutputTokens ?? Number(maxOut);
    if (wantIn !== Number(maxIn) || wantOut !== Number(maxOut))
      await send(c.billing.setLimits(p.netuid, p.tier, wantIn, wantOut));
  }

  for (const m of genesis.models) {
    if (!(await c.models.isRegistered(m.hash))) await send(c.models.register(m.hash, m.uri, m.license, m.royaltyBps));
    const owner = m.owner ?? me;
    const [current] = await c.models.royaltyOf(m.hash);
    if (current.toLowerCase() === me.toLowerCase() && owner.toLowerCase() !== me.toLowerCase()) {
      await send(c.models.transferModelOwnership(m.hash, owner));
    }
  }
  // After the genesis models changed hands: a challenge period would freeze that hand-over.
  const contests = genesis.modelContests;
  if (
    contests &&
    ((await c.models.challengePeriod()) !== BigInt(contests.challengePeriod) ||
      (await c.models.contestBond()) !== contests.contestBond)
  ) {
    await send(c.models.setContestTerms(contests.contestBond, contests.challengePeriod));
  }
  log(
    `genesis: emission shares ${genesis.emissionShares.map((s) => `${s.netuid}:${s.bps / 100}%`).join(" ")}, ` +
      `${b.prices.length} prices, ${genesis.models.length} models, lock cost ${fmt(genesis.subnetLockCost)} NOOS`,
  );
}

function fmt(amount: bigint): string {
  return (amount / 10n ** 18n).toLocaleString("en-US");
}
