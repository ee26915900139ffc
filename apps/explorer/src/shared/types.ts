// JSON shapes the explorer server sends and the page reads. Token amounts are decimal strings
// of 1e18 units (bigint does not survive JSON).

export interface Overview {
  chainId: number;
  block: number;
  blockTimeSeconds: number;
  supply: string;
  cap: string;
  blockReward: string;
  nextHalvingAt: string;
  emissionPerDay: string;
  burnedPerDay: string;
  mintedPerDay: string;
  burnedTotal: string;
}

export interface SubnetSummary {
  netuid: number;
  taskId: string;
  owner: string;
  tempo: number;
  neurons: number;
  maxUids: number;
  emissionShareBps: number;
  /** Names of the models the subnet's axons declare. */
  models: string[];
  epoch: number;
  lastEpochBlock: number;
}

export interface NeuronRow {
  uid: number;
  hotkey: string;
  stake: string;
  incentive: number;
  dividends: number;
  consensus: number;
  emission: string;
  validatorPermit: boolean;
  axon: string;
  modelHash: string;
  /** The model's name in the model registry (or its short hash), "" before the axon is served. */
  model: string;
  registeredAt: number;
  lastUpdate: number;
}

export interface SubnetDetail extends SubnetSummary {
  neuronsTable: NeuronRow[];
  /** weights[v][m] in [0, 1]: row per validator uid, column per uid. */
  weights: { validatorUids: number[]; rows: number[][] };
}

export interface BillingRow {
  week: number;
  party: string;
  role: "client" | "miner";
  burned: string;
  minted: string;
  requests: number;
}

export interface ProposalRow {
  id: string;
  description: string;
  state: string;
  forVotes: string;
  againstVotes: string;
  abstainVotes: string;
  proposer: string;
  voteEnd: number;
}

export interface PlaygroundRequest {
  kind: "chat" | "ocr";
  prompt?: string;
  imageBase64?: string;
  model?: string;
}

export interface PlaygroundAnswer {
  text: string;
  /** The gateway's model id that answered (e.g. sn1/noos-tiny:batch). */
  model?: string;
  /** Hotkey of the miner that answered. */
  miner?: string;
  /** NOOS (1e18 units, decimal string) the request cost the client's escrow. */
  charged?: string;
  latencyMs: number;
  error?: string;
}
