import fs from "node:fs";
import path from "node:path";
import type { InterfaceAbi } from "ethers";

/** Hardhat's build output at the repository root (`npx hardhat compile` writes it). */
const ARTIFACTS_DIR = path.resolve(__dirname, "..", "..", "..", "artifacts");

export interface Artifact {
  abi: InterfaceAbi;
  bytecode: string;
}

/**
 * The compiled artifact of `contractName` in `sourceName` (e.g. "contracts/consensus/EpochPayLib.sol"):
 * for contracts the typechain bindings carry no bytecode of (libraries without an external ABI).
 */
export function readArtifact(sourceName: string, contractName: string): Artifact {
  const file = path.join(ARTIFACTS_DIR, sourceName, `${contractName}.json`);
  if (!fs.existsSync(file)) throw new Error(`no artifact ${file}: compile the contracts first (npx hardhat compile)`);
  const { abi, bytecode } = JSON.parse(fs.readFileSync(file, "utf8")) as Artifact;
  return { abi, bytecode };
}
