/**
 * Writes the built-in text-generation model (packages/inference/models/noos-tiny) from the
 * public-domain corpus in packages/inference/corpus. Takes a few seconds on two cores.
 *
 *   npx tsx packages/inference/scripts/build-builtin-model.ts [outDir]
 */
import path from "node:path";
import { buildBuiltinModel } from "../src/text-generation/builtin/build";
import { builtinModelPath } from "../src/text-generation/model";

async function main(): Promise<void> {
  const outDir = path.resolve(process.argv[2] ?? builtinModelPath("noos-tiny"));
  const started = Date.now();
  const report = await buildBuiltinModel({ outDir });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`built ${path.basename(outDir)} in ${seconds}s -> ${outDir}`);
  for (const [file, bytes] of Object.entries(report.files))
    console.log(`  ${file.padEnd(22)} ${(bytes / 1024).toFixed(1).padStart(8)} KiB`);
  console.log(`  total                  ${(report.totalBytes / 1024).toFixed(1).padStart(8)} KiB`);
  console.log(
    `  vocabulary ${report.vocabSize} (${report.merges} merges), ${report.trainTokens} training tokens, ${report.contexts} trigram contexts`,
  );
  console.log(`  Kneser-Ney discounts ${report.discounts.map((d) => d.toFixed(3)).join(", ")}`);
  console.log(
    `  held-out perplexity ${report.heldOutPerplexity.toFixed(2)} per token (uniform: ${report.vocabSize}, ratio ${(report.vocabSize / report.heldOutPerplexity).toFixed(1)}x)`,
  );
  console.log(`  model.onnx sha256 ${report.modelSha256}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
