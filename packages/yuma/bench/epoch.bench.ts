/**
 * Speed of one `yumaEpoch` call on random subnets:
 * `npx tsx packages/yuma/bench/epoch.bench.ts` prints a table and checks the target (a full
 * 64 x 256 epoch well under a second); `speedRows()` returns the figures.
 */
import { yumaEpoch } from "../src/epoch";
import { randomSubnet, seededRng } from "../src/random";

/** A 64 x 256 epoch must stay under this many milliseconds. */
export const TARGET_MS = 1000;

export interface SpeedRow {
  name: string;
  /** Median milliseconds per epoch. */
  ms: number;
}

const CASES: { name: string; validators: number; miners: number; liquid: boolean }[] = [
  { name: "epoch 8 validators x 32 miners", validators: 8, miners: 32, liquid: false },
  { name: "epoch 64 validators x 192 miners (256 uids)", validators: 64, miners: 192, liquid: false },
  { name: "epoch 64 validators x 256 miners", validators: 64, miners: 256, liquid: false },
  { name: "epoch 64 validators x 256 miners, liquid alpha", validators: 64, miners: 256, liquid: true },
];

export function speedRows(runs = 15): SpeedRow[] {
  return CASES.map((c) => {
    const inputs = Array.from({ length: runs }, (_, k) =>
      randomSubnet(seededRng(1000 + k), {
        validators: c.validators,
        miners: c.miners,
        inactiveRate: 0,
        noPermitRate: 0,
        params: {
          liquidAlpha: {
            enabled: c.liquid,
            low: 10n ** 17n,
            high: 3n * 10n ** 17n,
            steepness: 1000,
            consensusMode: "current",
          },
        },
      }),
    );
    yumaEpoch(inputs[0]!); // warm up
    const times = inputs.map((input) => {
      const t0 = process.hrtime.bigint();
      yumaEpoch(input);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    });
    times.sort((a, b) => a - b);
    return { name: c.name, ms: times[Math.floor(times.length / 2)]! };
  });
}

if (require.main === module) {
  console.log(
    `${"yumaEpoch (median of 15 random subnets)".padEnd(50)} ${"ms".padStart(8)}  share of ${TARGET_MS} ms target`,
  );
  for (const row of speedRows()) {
    const ratio = row.ms / TARGET_MS;
    console.log(`${row.name.padEnd(50)} ${row.ms.toFixed(1).padStart(8)}  ${(ratio * 100).toFixed(1).padStart(5)}%`);
    if (ratio > 1) process.exitCode = 1;
  }
}
