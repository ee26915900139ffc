import fs from "node:fs";
import path from "node:path";
import type { Deployment } from "@noosphere/contracts";

/**
 * `<dir>/state.json` of a running devnet: where its parts are and what it has done. Tools and
 * tests read it (the API key, the URLs, the child pids); it is removed when the devnet stops.
 */
export interface DevnetState {
  pid: number;
  /** Unix ms. */
  startedAt: number;
  rpcUrl: string;
  chainId: number;
  redisUrl: string;
  gatewayUrl?: string;
  apiKey?: string;
  explorerUrl?: string;
  deployment: Deployment;
  deploymentFile: string;
  keysDir: string;
  tempo: number;
  blockTimeMs: number;
  /** Epochs the keeper finished, amounts as decimal strings; atMs counts from the start. */
  epochs: {
    netuid: number;
    epoch: number;
    block: number;
    ownerCut: string;
    paid: string;
    carried: string;
    toMiners: string;
    toValidators: string;
    atMs: number;
  }[];
  /** Milliseconds from the start to the first finished epoch that paid emission. */
  firstEpochPaidMs?: number;
  /** Milliseconds from the start to the first epoch that paid miners (weights revealed and used). */
  firstIncentiveMs?: number;
  /** Milliseconds from the start to the banner (services answering). */
  readyMs?: number;
  processes: { name: string; kind: string; pid: number }[];
}

export function writeState(file: string, state: DevnetState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2) + "\n");
  fs.renameSync(tmp, file); // readers never see half a file
}

export function readState(file: string): DevnetState | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as DevnetState;
  } catch {
    return undefined;
  }
}
