import type { Provider } from "ethers";
import { SubnetRegistry__factory } from "@noosphere/contracts";
import type { SubnetRegistry } from "@noosphere/contracts";
import type { MinerRef } from "../ids";

/** A miner to probe: its identity and where its axon listens. */
export interface MinerEndpoint extends MinerRef {
  url: string;
  modelHash: string;
}

/** What the validator needs of its subnet at one block. */
export interface Metagraph {
  block: number;
  netuid: number;
  taskId: string;
  tempo: number;
  /** UIDs in use (0..n-1). */
  n: number;
  hotkeys: string[];
  registeredAt: number[];
  /** The validator's own UID, if its hotkey is registered. */
  selfUid: number | undefined;
  /** Whether the validator holds a permit (miners serve permit holders only). */
  selfPermit: boolean;
  /** UIDs with an axon, except the validator's own. */
  miners: MinerEndpoint[];
}

export interface SubnetReaderOptions {
  provider: Provider;
  subnets: string;
  netuid: number;
  /** The validator's hotkey (left out of the probes). */
  self: string;
  /** Reuse a read for this long (the metagraph changes at most once per block). */
  cacheMs?: number;
}

/** Reads the subnet's neurons and axons from the SubnetRegistry, cached briefly. */
export class SubnetReader {
  readonly registry: SubnetRegistry;
  private cached: { at: number; value: Promise<Metagraph> } | undefined;

  constructor(private readonly opts: SubnetReaderOptions) {
    this.registry = SubnetRegistry__factory.connect(opts.subnets, opts.provider);
  }

  metagraph(): Promise<Metagraph> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < (this.opts.cacheMs ?? 2_000)) return this.cached.value;
    const value = this.read();
    this.cached = { at: now, value };
    value.catch(() => {
      if (this.cached?.value === value) this.cached = undefined;
    });
    return value;
  }

  private async read(): Promise<Metagraph> {
    const { netuid, provider } = this.opts;
    const block = await provider.getBlockNumber();
    const overrides = { blockTag: block };
    const [params, [hotkeys, registeredAts], permits] = await Promise.all([
      this.registry.params(netuid, overrides),
      this.registry.neurons(netuid, overrides),
      this.registry.validatorPermits(netuid, overrides),
    ]);
    const axons = await Promise.all(hotkeys.map((_, uid) => this.registry.axonOf(netuid, uid, overrides)));
    const self = this.opts.self.toLowerCase();
    const selfIndex = hotkeys.findIndex((h) => h.toLowerCase() === self);
    const miners: MinerEndpoint[] = [];
    axons.forEach((axon, uid) => {
      if (uid === selfIndex || axon.host === "" || Number(axon.port) === 0) return;
      const host = axon.host.includes(":") && !axon.host.startsWith("[") ? `[${axon.host}]` : axon.host;
      miners.push({
        uid,
        hotkey: hotkeys[uid] as string,
        registeredAt: Number(registeredAts[uid]),
        url: `${axon.protocol}://${host}:${axon.port}`,
        modelHash: axon.modelHash,
      });
    });
    return {
      block,
      netuid,
      taskId: params.taskId,
      tempo: Number(params.tempo),
      n: hotkeys.length,
      hotkeys: [...hotkeys],
      registeredAt: registeredAts.map(Number),
      selfUid: selfIndex >= 0 ? selfIndex : undefined,
      selfPermit: selfIndex >= 0 && permits[selfIndex] === true,
      miners,
    };
  }
}
