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
  miner?: string;
  charged?: string;
  latencyMs: number;
  error?: string;
}
