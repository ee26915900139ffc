/**
 * Deterministic job ids: the same (netuid, epoch, round, miner) always gives the same id, so a
 * retried scheduler tick, a restarted process or a second process adding the same work finds the
 * job already there instead of adding it twice. BullMQ ids must not contain ':'.
 */

export interface MinerRef {
  uid: number;
  hotkey: string;
  /** Block the current holder of the UID registered at: a re-registration is a new miner. */
  registeredAt: number;
}

export interface RoundRef {
  netuid: number;
  /** Epoch (chain) the round was created in; recorded with the challenge so retries reuse it. */
  epoch: bigint;
  /** Probe slot: floor(scheduled time / probe interval). */
  slot: number;
}

export function roundId(r: RoundRef): string {
  return `n${r.netuid}-e${r.epoch}-r${r.slot}`;
}

function minerPart(m: MinerRef): string {
  return `u${m.uid}-${m.hotkey.toLowerCase().replace(/^0x/, "")}-b${m.registeredAt}`;
}

export function probeJobId(r: RoundRef, m: MinerRef): string {
  return `probe-${roundId(r)}-${minerPart(m)}`;
}

export function scoreJobId(r: RoundRef, m: MinerRef): string {
  return `score-${roundId(r)}-${minerPart(m)}`;
}

export function weightsJobId(netuid: number, epoch: bigint): string {
  return `weights-n${netuid}-e${epoch}`;
}

/** Throws if an id would break BullMQ (':' separates its key parts). */
export function assertJobId(id: string): string {
  if (id.includes(":")) throw new Error(`job id ${id} contains ':'`);
  return id;
}
