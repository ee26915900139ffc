import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import type { HDNodeWallet } from "ethers";
import { freePort, waitForChainId } from "@noosphere/node-kit";
import { hdAccount } from "./accounts";

/** The repository root: `hardhat node` runs with its hardhat.config.ts. */
const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

export interface HardhatNode {
  rpcUrl: string;
  chainId: number;
  /** No response cache (tests read what they have just written), no batching, 50 ms polling. */
  provider: JsonRpcProvider;
  /** Hardhat's funded account `index` (0..19), connected to the node. */
  account(index: number): HDNodeWallet;
  /** Mines `blocks` blocks at once. */
  mine(blocks: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `hardhat node` (automine, 20 funded accounts) on a free port as a child process, so that
 * the processes a test starts reach it over HTTP too, and resolves once it answers.
 * Tests deploy the compiled contracts: run `npx hardhat compile` first (`npm test` does).
 */
export async function startHardhatNode(timeoutMs = 90_000): Promise<HardhatNode> {
  const port = await freePort();
  const cli = require.resolve("hardhat/internal/cli/cli.js", { paths: [REPO_ROOT] });
  const child = spawn(process.execPath, [cli, "node", "--port", String(port), "--hostname", "127.0.0.1"], {
    cwd: REPO_ROOT,
    env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" },
    // The node logs every call on stdout; its errors come on stderr.
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const rpcUrl = `http://127.0.0.1:${port}`;
  let chainId: number;
  try {
    chainId = await waitForChainId(rpcUrl, timeoutMs, () =>
      child.exitCode === null ? undefined : `hardhat node exited with code ${child.exitCode}`,
    );
  } catch (err) {
    child.kill("SIGKILL");
    throw new Error(`${(err as Error).message}\n--- hardhat node stderr ---\n${stderr}`);
  }
  const provider = new JsonRpcProvider(rpcUrl, chainId, {
    staticNetwork: true,
    cacheTimeout: -1,
    batchMaxCount: 1,
    pollingInterval: 50,
  });
  return {
    rpcUrl,
    chainId,
    provider,
    account: (index) => hdAccount(index).connect(provider),
    mine: async (blocks) => {
      await provider.send("hardhat_mine", ["0x" + blocks.toString(16)]);
    },
    stop: () => stopChild(child, exited, provider),
  };
}

/** SIGTERM, then SIGKILL if the node is still there after 5 s. */
async function stopChild(child: ChildProcess, exited: Promise<void>, provider: JsonRpcProvider): Promise<void> {
  provider.destroy();
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
