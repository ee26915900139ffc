// A larger differential run of the consensus contract against packages/yuma than CI does:
// random subnets of every size, several consecutive epochs each with changes in between.
// Run: npx hardhat run test/consensus/differential.bench.ts
// Sizes via env: SMALL (default 1000), MEDIUM (100), FULL (20), EPOCHS (3), SEED (first seed, 10000).
import { randomInt } from "@noosphere/yuma";
import { runDifferentialCases } from "./scenario";
import { deployWorld } from "./world";

async function main(): Promise<void> {
  const small = Number(process.env.SMALL ?? 1000);
  const medium = Number(process.env.MEDIUM ?? 100);
  const full = Number(process.env.FULL ?? 20);
  const epochs = Number(process.env.EPOCHS ?? 3);
  const seed = Number(process.env.SEED ?? 10_000);
  const w = await deployWorld();
  const started = Date.now();
  await runDifferentialCases(w, seed, small, epochs, (rng) => ({
    validators: randomInt(rng, 1, 8),
    miners: randomInt(rng, 0, 32),
    randomParams: rng() < 0.7,
    density: rng(),
  }));
  console.log(`${small} small subnets x ${epochs} epochs: equal (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  await runDifferentialCases(w, seed + 100_000, medium, epochs, (rng) => ({
    validators: randomInt(rng, 4, 48),
    miners: randomInt(rng, 8, 160),
    randomParams: rng() < 0.5,
    density: rng(),
  }));
  console.log(`${medium} medium subnets x ${epochs} epochs: equal (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  await runDifferentialCases(w, seed + 200_000, full, epochs, (rng) => ({
    validators: 64,
    miners: 192,
    randomParams: rng() < 0.5,
    density: rng(),
    noPermitRate: rng() < 0.5 ? 0 : 0.1,
  }));
  console.log(`${full} full subnets x ${epochs} epochs: equal (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
