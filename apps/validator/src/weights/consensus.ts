import type { Provider, TransactionRequest } from "ethers";
import { Consensus__factory, SubnetRegistry__factory } from "@noosphere/contracts";
import type { Consensus, SubnetRegistry } from "@noosphere/contracts";
import { ConsensusRefusal } from "./chain";
import type { ConsensusStatus, PendingCommit, WeightsChain, WeightsParams } from "./chain";
import type { WeightsRow } from "./compute";

export interface ConsensusWeightsChainOptions {
  provider: Provider;
  consensus: string;
  subnets: string;
  netuid: number;
  /** The validator's hotkey (the `from` of every request). */
  hotkey: string;
}

/** Gas offered to runEpoch: most of the 16,777,216 per-transaction cap. */
const RUN_EPOCH_GAS = 15_000_000n;

/** WeightsChain over the Consensus contract (contracts/consensus). */
export class ConsensusWeightsChain implements WeightsChain {
  readonly netuid: number;
  readonly hotkey: string;
  private readonly consensus: Consensus;
  private readonly subnets: SubnetRegistry;

  constructor(private readonly opts: ConsensusWeightsChainOptions) {
    this.netuid = opts.netuid;
    this.hotkey = opts.hotkey;
    this.consensus = Consensus__factory.connect(opts.consensus, opts.provider);
    this.subnets = SubnetRegistry__factory.connect(opts.subnets, opts.provider);
  }

  async status(): Promise<ConsensusStatus> {
    const block = await this.opts.provider.getBlockNumber();
    const at = { blockTag: block };
    const [s, params] = await Promise.all([
      this.consensus.epochStatus(this.netuid, at),
      this.subnets.params(this.netuid, at),
    ]);
    return {
      epoch: s.number,
      startBlock: Number(s.startBlock),
      stage: Number(s.stage),
      block,
      tempo: Number(params.tempo),
    };
  }

  async commitOf(uid: number): Promise<PendingCommit> {
    const c = await this.consensus.commitOf(this.netuid, uid);
    return { hash: c.hash, epoch: c.epoch, commitBlock: Number(c.commitBlock) };
  }

  async params(): Promise<WeightsParams> {
    const p = await this.consensus.paramsOf(this.netuid);
    return { versionKey: p.versionKey, maxWeight: Number(p.maxWeight), rateLimit: Number(p.weightsRateLimit) };
  }

  commitRequest(hash: string): Promise<TransactionRequest> {
    return this.checked(this.consensus.interface.encodeFunctionData("commitWeights", [this.netuid, hash]));
  }

  revealRequest(row: WeightsRow, salt: string, versionKey: bigint): Promise<TransactionRequest> {
    return this.checked(
      this.consensus.interface.encodeFunctionData("revealWeights", [
        this.netuid,
        row.uids,
        row.weights,
        salt,
        versionKey,
      ]),
    );
  }

  async runEpochRequest(): Promise<TransactionRequest | undefined> {
    const s = await this.status();
    if (s.stage === 0 && s.epoch > 0n && s.block + 1 < s.startBlock + s.tempo) return undefined;
    const request = await this.checked(this.consensus.interface.encodeFunctionData("runEpoch", [this.netuid]));
    // runEpoch keeps stepping while the gas left covers the next step: a gas estimate would buy
    // one step per transaction, so give it room for the whole epoch (under the 2^24 cap).
    const gas = BigInt(request.gasLimit ?? 0n);
    return { ...request, gasLimit: gas > RUN_EPOCH_GAS ? gas : RUN_EPOCH_GAS };
  }

  /** A request with its gas estimated; a call the contract would refuse throws ConsensusRefusal. */
  private async checked(data: string): Promise<TransactionRequest> {
    const request: TransactionRequest = { to: this.opts.consensus, from: this.hotkey, data };
    try {
      const gas = await this.opts.provider.estimateGas(request);
      return { to: request.to, data, gasLimit: (gas * 12n) / 10n };
    } catch (err) {
      const revert = revertData(err);
      if (revert) {
        const parsed = this.consensus.interface.parseError(revert) ?? this.subnets.interface.parseError(revert);
        if (parsed) throw new ConsensusRefusal(parsed.name, [...parsed.args]);
      }
      throw err;
    }
  }
}

function revertData(err: unknown): string | undefined {
  const e = err as { data?: unknown; info?: { error?: { data?: unknown } }; error?: { data?: unknown } };
  for (const d of [e.data, e.info?.error?.data, e.error?.data]) {
    if (typeof d === "string" && d.startsWith("0x") && d.length >= 10) return d;
    if (d && typeof d === "object" && typeof (d as { data?: unknown }).data === "string")
      return (d as { data: string }).data;
  }
  return undefined;
}
