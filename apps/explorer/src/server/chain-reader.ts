import type { JsonRpcProvider } from "ethers";
import {
  Emission__factory,
  NoosToken__factory,
  Staking__factory,
  SubnetRegistry__factory,
} from "@noosphere/contracts";
import type { Deployment } from "@noosphere/contracts";
import type { NeuronRow, Overview, SubnetDetail, SubnetSummary } from "../shared/types";
import { ConsensusView } from "./consensus-view";
import { BillingView } from "./billing-view";
import { GovernanceView } from "./governance-view";

const DAY = 86_400;

/**
 * Everything the explorer shows, read from the chain. Reads are plain eth_calls (and event
 * queries for burns and proposals), so any number of explorers can watch one chain.
 */
export class ChainReader {
  private readonly token;
  private readonly emission;
  private readonly staking;
  private readonly subnetRegistry;
  private readonly consensus: ConsensusView;
  private readonly billing: BillingView;
  private readonly governance: GovernanceView;

  constructor(
    private readonly provider: JsonRpcProvider,
    readonly deployment: Deployment,
    private readonly blockTimeSeconds = 1,
  ) {
    const c = deployment.contracts;
    this.token = NoosToken__factory.connect(c.token, provider);
    this.emission = Emission__factory.connect(c.emission, provider);
    this.staking = Staking__factory.connect(c.staking, provider);
    this.subnetRegistry = SubnetRegistry__factory.connect(c.subnets, provider);
    this.consensus = new ConsensusView(provider, c.consensus);
    this.billing = new BillingView(provider, c.billing, deployment.deployedAtBlock);
    this.governance = new GovernanceView(provider, c.governor, deployment.deployedAtBlock);
  }

  async overview(): Promise<Overview> {
    const [block, supply, cap] = await Promise.all([
      this.provider.getBlockNumber(),
      this.token.totalSupply(),
      this.token.cap(),
    ]);
    const blockReward = await this.emission.blockReward(supply);
    const blocksPerDay = BigInt(Math.round(DAY / this.blockTimeSeconds));
    const dayAgo = Math.max(this.deployment.deployedAtBlock, block - Number(blocksPerDay));
    const [day, total] = await Promise.all([this.billing.totalsSince(dayAgo), this.billing.totalsSince(this.deployment.deployedAtBlock)]);
    return {
      chainId: this.deployment.chainId,
      block,
      blockTimeSeconds: this.blockTimeSeconds,
      supply: supply.toString(),
      cap: cap.toString(),
      blockReward: blockReward.toString(),
      nextHalvingAt: nextHalving(supply, cap).toString(),
      emissionPerDay: (blockReward * blocksPerDay).toString(),
      burnedPerDay: day.burned.toString(),
      mintedPerDay: day.minted.toString(),
      burnedTotal: total.burned.toString(),
    };
  }

  async subnetExists(netuid: number): Promise<boolean> {
    return this.subnetRegistry.subnetExists(netuid);
  }

  async subnets(): Promise<SubnetSummary[]> {
    const count = Number(await this.subnetRegistry.subnetCount());
    const netuids = Array.from({ length: count }, (_, i) => i + 1);
    return Promise.all(netuids.map((n) => this.summary(n)));
  }

  async subnet(netuid: number): Promise<SubnetDetail> {
    const [summary, [hotkeys, registeredAt, lastEmission], permits, results] = await Promise.all([
      this.summary(netuid),
      this.subnetRegistry.neurons(netuid),
      this.subnetRegistry.validatorPermits(netuid),
      this.consensus.lastResults(netuid),
    ]);
    const neuronsTable: NeuronRow[] = await Promise.all(
      hotkeys.map(async (hotkey, uid) => {
        const [stake, axon] = await Promise.all([this.staking.stakeOf(hotkey), this.subnetRegistry.axonOf(netuid, uid)]);
        return {
          uid,
          hotkey,
          stake: stake.toString(),
          consensus: results.consensus[uid] ?? 0,
          incentive: results.incentive[uid] ?? 0,
          dividends: results.dividends[uid] ?? 0,
          emission: (lastEmission[uid] ?? 0n).toString(),
          validatorPermit: permits[uid] ?? false,
          axon: axon.host ? `${axon.protocol}://${axon.host}:${axon.port}` : "",
          modelHash: axon.modelHash,
          registeredAt: Number(registeredAt[uid] ?? 0),
          lastUpdate: results.lastUpdate[uid] ?? 0,
        };
      }),
    );
    const weights = await this.consensus.weights(netuid, hotkeys.length);
    return { ...summary, neuronsTable, weights };
  }

  billingByWeek() {
    return this.billing.weekly();
  }

  proposals() {
    return this.governance.proposals();
  }

  private async summary(netuid: number): Promise<SubnetSummary> {
    const [params, owner, neurons, share, epoch] = await Promise.all([
      this.subnetRegistry.params(netuid),
      this.subnetRegistry.subnetOwner(netuid),
      this.subnetRegistry.neuronCount(netuid),
      this.emission.emissionShare(netuid),
      this.consensus.epochOf(netuid),
    ]);
    return {
      netuid,
      taskId: params.taskId,
      owner,
      tempo: Number(params.tempo),
      neurons: Number(neurons),
      maxUids: Number(params.maxUids),
      emissionShareBps: Number(share),
      epoch: epoch.epoch,
      lastEpochBlock: epoch.lastEpochBlock,
    };
  }
}

/** The supply at which the block reward next halves: cap - cap / 2^(k+1). */
export function nextHalving(supply: bigint, cap: bigint): bigint {
  if (supply >= cap) return cap;
  let k = 0n;
  while ((cap - supply) * 2n ** (k + 1n) <= cap) k++;
  return cap - cap / 2n ** (k + 1n);
}
