import { ZeroHash } from "ethers";
import type { JsonRpcProvider } from "ethers";
import {
  Emission__factory,
  ModelRegistry__factory,
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
  private readonly modelRegistry;
  private readonly consensus: ConsensusView;
  private readonly billing: BillingView;
  private readonly governance: GovernanceView;
  private readonly modelNames = new Map<string, string>();
  private readonly cache = new Map<string, { block: number; value: Promise<unknown> }>();

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
    this.modelRegistry = ModelRegistry__factory.connect(c.models, provider);
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
    const [day, total] = await Promise.all([
      this.billing.totalsSince(dayAgo),
      this.billing.totalsSince(this.deployment.deployedAtBlock),
    ]);
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

  /** Every subnet; read once per block however many pages poll. */
  async subnets(): Promise<SubnetSummary[]> {
    return this.perBlock("subnets", async () => {
      const count = Number(await this.subnetRegistry.subnetCount());
      const netuids = Array.from({ length: count }, (_, i) => i + 1);
      return Promise.all(netuids.map((n) => this.summary(n)));
    });
  }

  /** One subnet with its neurons and weights; read once per block. */
  async subnet(netuid: number): Promise<SubnetDetail> {
    return this.perBlock(`subnet-${netuid}`, () => this.readSubnet(netuid));
  }

  private async readSubnet(netuid: number): Promise<SubnetDetail> {
    const [summary, [hotkeys, registeredAt, lastEmission], permits, results] = await Promise.all([
      this.summary(netuid),
      this.subnetRegistry.neurons(netuid),
      this.subnetRegistry.validatorPermits(netuid),
      this.consensus.lastResults(netuid),
    ]);
    const neuronsTable: NeuronRow[] = await Promise.all(
      hotkeys.map(async (hotkey, uid) => {
        const [stake, axon] = await Promise.all([
          this.staking.stakeOf(hotkey),
          this.subnetRegistry.axonOf(netuid, uid),
        ]);
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
          model: await this.modelName(axon.modelHash),
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

  /** A model's name from its registry URI (builtin:noos-tiny -> noos-tiny), else its short hash. */
  private async modelName(hash: string): Promise<string> {
    if (hash === ZeroHash) return "";
    const known = this.modelNames.get(hash);
    if (known !== undefined) return known;
    let name: string;
    try {
      const { uri } = await this.modelRegistry.modelOf(hash);
      name =
        uri
          .replace(/^builtin:/, "")
          .split("/")
          .pop() || uri;
      this.modelNames.set(hash, name); // registered models keep their hash; URIs rarely move
    } catch {
      name = `${hash.slice(0, 10)}…`; // not in the registry (yet): ask again next time
    }
    return name;
  }

  private async perBlock<T>(key: string, read: () => Promise<T>): Promise<T> {
    const block = await this.provider.getBlockNumber();
    const hit = this.cache.get(key);
    if (hit && hit.block === block) return hit.value as Promise<T>;
    const value = read();
    this.cache.set(key, { block, value });
    value.catch(() => this.cache.delete(key));
    return value;
  }

  private async summary(netuid: number): Promise<SubnetSummary> {
    const [params, owner, neurons, share, epoch] = await Promise.all([
      this.subnetRegistry.params(netuid),
      this.subnetRegistry.subnetOwner(netuid),
      this.subnetRegistry.neuronCount(netuid),
      this.emission.emissionShare(netuid),
      this.consensus.epochOf(netuid),
    ]);
    const axons = await Promise.all(
      Array.from({ length: Number(neurons) }, (_, uid) => this.subnetRegistry.axonOf(netuid, uid)),
    );
    const models = await Promise.all(
      [...new Set(axons.map((a) => a.modelHash).filter((h) => h !== ZeroHash))].map((h) => this.modelName(h)),
    );
    return {
      models: [...new Set(models)].sort(),
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
