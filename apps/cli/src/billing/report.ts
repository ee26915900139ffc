/**
 * The weekly billing table (`noos billing report --week`): what each client paid (burned) and what each
 * miner, model owner and the treasury earned (minted), built from Billing's `Redeemed` events.
 * A week is block.timestamp / 1 weeks (weeks start on Thursday 00:00 UTC, the Unix epoch's weekday).
 */
import { formatEther, type ContractRunner } from "ethers";
import { Billing__factory } from "@noosphere/contracts";

export const WEEK_SECONDS = 604_800n;

/** One `Redeemed` event. */
export interface Redemption {
  client: string;
  miner: string;
  netuid: number;
  tier: number;
  model: string;
  burned: bigint;
  mintedMiner: bigint;
  mintedRoyalty: bigint;
  mintedTreasury: bigint;
  week: bigint;
  blockNumber: number;
  txHash: string;
}

export interface ClientRow {
  client: string;
  /** NOOS taken from its escrow and burned. */
  burned: bigint;
  redemptions: number;
}

export interface MinerRow {
  miner: string;
  /** NOOS its redemptions burned (what its clients paid it, before minting). */
  burned: bigint;
  /** NOOS minted to it. */
  minted: bigint;
  redemptions: number;
}

export interface ModelRow {
  model: string;
  /** NOOS minted to the model's owner as royalty. */
  royalty: bigint;
  redemptions: number;
}

export interface WeeklyTotals {
  burned: bigint;
  /** mintedMiner + mintedRoyalty + mintedTreasury. */
  minted: bigint;
  mintedMiner: bigint;
  mintedRoyalty: bigint;
  mintedTreasury: bigint;
  redemptions: number;
}

export interface WeeklyReport {
  week: bigint;
  /** First second of the week (Unix time). */
  start: bigint;
  totals: WeeklyTotals;
  /** Sorted by burned, largest first. */
  clients: ClientRow[];
  /** Sorted by minted, largest first. */
  miners: MinerRow[];
  /** Sorted by royalty, largest first (redemptions naming no model are left out). */
  models: ModelRow[];
}

export interface ReadOptions {
  fromBlock?: number;
  toBlock?: number | "latest";
}

/** The week a Unix time (seconds) falls in, as Billing numbers them. */
export function weekOf(timestamp: bigint | number): bigint {
  return BigInt(timestamp) / WEEK_SECONDS;
}

/** Reads every `Redeemed` event of the Billing contract at `billing` in the block range. */
export async function readRedemptions(
  runner: ContractRunner,
  billing: string,
  options: ReadOptions = {},
): Promise<Redemption[]> {
  const contract = Billing__factory.connect(billing, runner);
  const events = await contract.queryFilter(
    contract.filters.Redeemed(),
    options.fromBlock ?? 0,
    options.toBlock ?? "latest",
  );
  return events.map((e) => ({
    client: e.args.client,
    miner: e.args.miner,
    netuid: Number(e.args.netuid),
    tier: Number(e.args.tier),
    model: e.args.model,
    burned: e.args.burned,
    mintedMiner: e.args.mintedMiner,
    mintedRoyalty: e.args.mintedRoyalty,
    mintedTreasury: e.args.mintedTreasury,
    week: e.args.week,
    blockNumber: e.blockNumber,
    txHash: e.transactionHash,
  }));
}

/** Groups redemptions into one report per week, oldest week first. */
export function buildWeeklyReports(redemptions: readonly Redemption[]): WeeklyReport[] {
  const weeks = new Map<bigint, Redemption[]>();
  for (const r of redemptions) {
    const list = weeks.get(r.week) ?? [];
    list.push(r);
    weeks.set(r.week, list);
  }
  return [...weeks.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([week, list]) => tallyWeek(week, list));
}

/** The report of one week (empty if nothing was redeemed in it). */
export function tallyWeek(week: bigint, redemptions: readonly Redemption[]): WeeklyReport {
  const totals: WeeklyTotals = {
    burned: 0n,
    minted: 0n,
    mintedMiner: 0n,
    mintedRoyalty: 0n,
    mintedTreasury: 0n,
    redemptions: 0,
  };
  const clients = new Map<string, ClientRow>();
  const miners = new Map<string, MinerRow>();
  const models = new Map<string, ModelRow>();
  for (const r of redemptions) {
    if (r.week !== week) continue;
    const minted = r.mintedMiner + r.mintedRoyalty + r.mintedTreasury;
    totals.burned += r.burned;
    totals.minted += minted;
    totals.mintedMiner += r.mintedMiner;
    totals.mintedRoyalty += r.mintedRoyalty;
    totals.mintedTreasury += r.mintedTreasury;
    totals.redemptions += 1;
    const c = clients.get(r.client) ?? { client: r.client, burned: 0n, redemptions: 0 };
    c.burned += r.burned;
    c.redemptions += 1;
    clients.set(r.client, c);
    const m = miners.get(r.miner) ?? { miner: r.miner, burned: 0n, minted: 0n, redemptions: 0 };
    m.burned += r.burned;
    m.minted += r.mintedMiner;
    m.redemptions += 1;
    miners.set(r.miner, m);
    if (r.mintedRoyalty > 0n) {
      const mo = models.get(r.model) ?? { model: r.model, royalty: 0n, redemptions: 0 };
      mo.royalty += r.mintedRoyalty;
      mo.redemptions += 1;
      models.set(r.model, mo);
    }
  }
  const desc =
    <T>(key: (row: T) => bigint) =>
    (a: T, b: T) =>
      key(b) > key(a) ? 1 : key(b) < key(a) ? -1 : 0;
  return {
    week,
    start: week * WEEK_SECONDS,
    totals,
    clients: [...clients.values()].sort(desc((r) => r.burned)),
    miners: [...miners.values()].sort(desc((r) => r.minted)),
    models: [...models.values()].sort(desc((r) => r.royalty)),
  };
}

/** Options of {@link weeklyReport}. */
export interface WeeklyReportOptions extends ReadOptions {
  /** The week to report; default: the week of the latest block. */
  week?: bigint;
}

/** Reads the chain and builds the report of one week. */
export async function weeklyReport(
  runner: ContractRunner,
  billing: string,
  options: WeeklyReportOptions = {},
): Promise<WeeklyReport> {
  let week = options.week;
  if (week === undefined) {
    const block = await runner.provider?.getBlock("latest");
    if (!block) throw new Error("cannot read the latest block: the runner has no provider");
    week = weekOf(block.timestamp);
  }
  return tallyWeek(week, await readRedemptions(runner, billing, options));
}

/** A plain-text rendering of `report` (amounts in NOOS). */
export function formatReport(report: WeeklyReport): string {
  const start = new Date(Number(report.start) * 1000).toISOString().slice(0, 10);
  const end = new Date(Number(report.start + WEEK_SECONDS - 1n) * 1000).toISOString().slice(0, 10);
  const t = report.totals;
  const lines = [
    `Billing, week ${report.week} (${start} to ${end} UTC): ${t.redemptions} redemption(s)`,
    `  burned ${formatEther(t.burned)} NOOS, minted ${formatEther(t.minted)} NOOS ` +
      `(miners ${formatEther(t.mintedMiner)}, royalties ${formatEther(t.mintedRoyalty)}, treasury ${formatEther(t.mintedTreasury)})`,
    "",
    table(
      ["client", "redemptions", "burned (NOOS)"],
      report.clients.map((c) => [c.client, String(c.redemptions), formatEther(c.burned)]),
    ),
    "",
    table(
      ["miner", "redemptions", "burned (NOOS)", "minted (NOOS)"],
      report.miners.map((m) => [m.miner, String(m.redemptions), formatEther(m.burned), formatEther(m.minted)]),
    ),
  ];
  if (report.models.length > 0) {
    lines.push(
      "",
      table(
        ["model", "redemptions", "royalty (NOOS)"],
        report.models.map((m) => [m.model, String(m.redemptions), formatEther(m.royalty)]),
      ),
    );
  }
  return lines.join("\n");
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
