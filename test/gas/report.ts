// `npm run bench:gas`: gas of every user-facing transaction, one table per concern, printed and
// written to reports/gas.txt (kept in the repo so review can compare). Runs on the in-process
// Hardhat network, whose default hardfork enforces the 16,777,216 gas cap per transaction.
import fs from "node:fs";
import path from "node:path";

interface GasRow {
  name: string;
  gas: bigint;
}

type GasModule = { gasRows: () => Promise<GasRow[]> };

const CONCERNS = ["emission", "staking", "subnets", "consensus", "billing", "sizes"];

async function main(): Promise<void> {
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    console.log(line);
  };
  for (const concern of CONCERNS) {
    const file = path.join(__dirname, `${concern}.ts`);
    if (!fs.existsSync(file)) continue;
    const mod = require(file) as GasModule;
    say(`\n## ${concern}`);
    for (const row of await mod.gasRows())
      say(`${row.name.padEnd(72)} ${row.gas.toLocaleString("en-US").padStart(14)}`);
  }
  const out = path.join(__dirname, "..", "..", "reports", "gas.txt");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, lines.join("\n").trimStart() + "\n");
  console.log(`\nwritten to ${path.relative(process.cwd(), out)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
