/** What the gateway reads from the chain. `ContractsChainView` implements it over the contracts. */

export interface SubnetInfo {
  netuid: number;
  taskId: string;
}

export interface AxonInfo {
  host: string;
  port: number;
  protocol: string; // "http" | "https"
  modelHash: string; // bytes32, 0x-hex
}

export interface NeuronInfo {
  uid: number;
  hotkey: string;
  /** Undefined until the neuron serves an axon. */
  axon?: AxonInfo;
  /** Incentive of the last epoch (consensus fixed point; 0 before the first epoch). */
  incentive: bigint;
}

/** Price and per-call limits of one request on (netuid, tier). */
export interface TierTerms {
  /** NOOS wei per request; undefined when governance has not priced this tier. */
  price?: bigint;
  maxInputTokens: number;
  maxOutputTokens: number;
}

export interface EscrowInfo {
  /** Free balance (not allotted to a miner), thawing part included. */
  balance: bigint;
  /** Part of the balance a withdrawal is taking out. */
  thawing: bigint;
}

export interface AllotmentInfo {
  /** What the miner may redeem from the client's escrow, thawing part included. */
  amount: bigint;
  /** Part of it thawing back to the client. */
  thawing: bigint;
}

export interface GatewayChainView {
  readonly chainId: number;
  /** Billing contract: the vouchers' EIP-712 verifying contract. */
  readonly billingAddress: string;
  /** SubnetRegistry: the wire (request) signatures' verifying contract. */
  readonly subnetsAddress: string;
  subnets(): Promise<SubnetInfo[]>;
  neurons(netuid: number): Promise<NeuronInfo[]>;
  tierTerms(netuid: number, tier: number): Promise<TierTerms>;
  blockNumber(): Promise<number>;
  /** The client's escrow, at block `at` when given (else the latest). */
  escrow(client: string, at?: number): Promise<EscrowInfo>;
  /** Billing's redeemed total of a voucher slot, at block `at` when given (else the latest). */
  redeemed(client: string, miner: string, netuid: number, tier: number, at?: number): Promise<bigint>;
  /** A miner's allotment of the client's escrow, at block `at` when given (else the latest). */
  allotment(client: string, miner: string, at?: number): Promise<AllotmentInfo>;
  isAuthorizedSigner(client: string, signer: string): Promise<boolean>;
}
