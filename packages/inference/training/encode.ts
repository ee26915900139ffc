/**
 * Encodes texts with a model folder's tokenizer through the repo's own loader
 * (@huggingface/tokenizers), for train.py's check that its Python encoder gives the same ids.
 *
 *   npx tsx packages/inference/training/encode.ts <model dir> <texts.json> <ids.json>
 *
 * texts.json holds an array of strings; ids.json receives an array of id arrays.
 */
import { readFile, writeFile } from "node:fs/promises";
import { loadTokenizer } from "../src/text-generation/tokenizer";

async function main(): Promise<void> {
  const [dir, input, output] = process.argv.slice(2);
  if (!dir || !input || !output) throw new Error("usage: encode.ts <model dir> <texts.json> <ids.json>");
  const tokenizer = await loadTokenizer(dir);
  const texts = JSON.parse(await readFile(input, "utf8")) as string[];
  const ids = texts.map((t) => tokenizer.encode(t));
  await writeFile(output, JSON.stringify(ids));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
