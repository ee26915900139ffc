import type { Provider } from "ethers";
import { Billing__factory, SubnetRegistry__factory } from "@noosphere/contracts";
import type { Billing, SubnetRegistry } from "@noosphere/contracts";
import type { AllotmentInfo, EscrowInfo, GatewayChainView, NeuronInfo, SubnetInfo, TierTerms } from "./chain-view";

/** Incentive of each UID in the last epoch, indexed by UID (the consensus contract's view). */
export type IncentiveSource = (netuid: number) => Promise<readonly bigint[]>;

export interface ContractsChainViewOptions {
  provider: Provider;
  chainId: number;
  subnets: string;
  billing: string;
  /**
   * Where incentives come from (consensusIncentives). Default, and whenever it returns no list of
   * the subnet's size: each UID's emission in the last epoch as the subnet registry records it.
   */
  incentives?: IncentiveSource;
}

/** GatewayChainView over the deployed SubnetRegistry and Billing contracts. */
export class ContractsChainView implements GatewayChainView {
  readonly chainId: number;
  readonly billingAddress: string;
  readonly subnetsAddress: string;
  private readonly registry: SubnetRegistry;
  private readonly billing: Billing;

  constructor(private readonly opts: ContractsChainViewOptions) {
    this.chainId = opts.chainId;
    this.billingAddress = opts.billing;
    this.subnetsAddress = opts.subnets;
    this.registry = SubnetRegistry__factory.connect(opts.subnets, opts.provider);
    this.billing = Billing__factory.connect(opts.billing, opts.provider);
  }

  async blockNumber(): Promise<number> {
    return this.opts.provider.getBlockNumber();
  }

  async subnets(): Promise<SubnetInfo[]> {
    const count = Number(await this.registry.subnetCount());
    const netuids = Array.from({ length: count }, (_, i) => i + 1);
    return Promise.all(
      netuids.map(async (netuid) => ({ netuid, taskId: (await this.registry.params(netuid)).taskId })),
    );
  }

  async neurons(netuid: number): Promise<NeuronInfo[]> {
    const [{ hotkeys, lastEmissions }, incentives] = await Promise.all([
      this.registry.neurons(netuid),
      this.opts.incentives ? this.opts.incentives(netuid) : undefined,
    ]);
    return Promise.all(
      hotkeys.map(async (hotkey, uid) => {
        const axon = await this.registry.axonOf(netuid, uid);
        const source = incentives && incentives.length === hotkeys.length ? incentives : lastEmissions;
        const neuron: NeuronInfo = { uid, hotkey, incentive: source[uid] ?? 0n };
        if (axon.host !== "" && axon.port !== 0n) {
          neuron.axon = {
            host: axon.host,
            port: Number(axon.port),
            protocol: axon.protocol,
            modelHash: axon.modelHash,
          };
        }
        return neuron;
      }),
    );
  }

  async tierTerms(netuid: number, tier: number): Promise<TierTerms> {
    const [limits, price] = await Promise.all([
      this.billing.tierPrice(netuid, tier),
      // Reverts (BillingPriceNotSet / BillingRateNotSet) until governance prices the tier.
      this.billing.priceInNoos(netuid, tier).catch(() => undefined),
    ]);
    const terms: TierTerms = {
      maxInputTokens: Number(limits.maxInputTokens),
      maxOutputTokens: Number(limits.maxOutputTokens),
    };
    if (price !== undefined) terms.price = price;
    return terms;
  }

  async escrow(client: string, at?: number): Promise<EscrowInfo> {
    const e = await this.billing.escrowOf(client, { blockTag: at });
    return { balance: e.balance, thawing: e.thawing };
  }

  redeemed(client: string, miner: string, netuid: number, tier: number, at?: number): Promise<bigint> {
    return this.billing.redeemed(client, miner, netuid, tier, { blockTag: at });
  }

  async allotment(client: string, miner: string, at?: number): Promise<AllotmentInfo> {
    const a = await this.billing.allotmentOf(client, miner, { blockTag: at });
    return { amount: a.amount, thawing: a.thawing };
  }

  isAuthorizedSigner(client: string, signer: string): Promise<boolean> {
    return this.billing.isAuthorizedSigner(client, signer);
  }
}
