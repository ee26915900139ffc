import path from "node:path";
import { JsonRpcProvider, Network } from "ethers";
import { waitForChainId } from "@noosphere/node-kit";
import type { ProcessGroup } from "./processes";
import { REPO_ROOT } from "./paths";

const NODE_CONFIG = path.join(__dirname, "hardhat-node.config.js");

export interface DevnetChain {
  rpcUrl: string;
  chainId: number;
  provider: JsonRpcProvider;
}

/**
 * Starts a Hardhat node (in-memory chain, 20 funded accounts, a block every `blockTimeMs` and one
 * per transaction) as a child process and resolves once it answers.
 */
export function startHardhatNode(
  group: ProcessGroup,
  opts: { port: number; blockTimeMs: number; timeoutMs?: number },
): Promise<DevnetChain> {
  const hardhat = require.resolve("hardhat/internal/cli/cli.js", { paths: [REPO_ROOT] });
  const proc = group.start(
    "chain",
    process.execPath,
    [hardhat, "--config", NODE_CONFIG, "node", "--port", String(opts.port), "--hostname", "127.0.0.1"],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        HARDHAT_DISABLE_TELEMETRY_PROMPT: "true",
        NOOS_DEVNET_BLOCK_MS: String(opts.blockTimeMs),
      },
      // The node lists its 20 accounts and their private keys: the devnet prints what matters.
      show: (line) => /Started HTTP|Error|error|already in use/.test(line),
    },
  );
  const rpcUrl = `http://127.0.0.1:${opts.port}`;
  return Promise.race([
    connectChain(rpcUrl, opts.timeoutMs ?? 60_000),
    proc.exited.then((code) => {
      throw new Error(
        `the Hardhat node exited (code ${code}) before answering: is port ${opts.port} taken? Try --port`,
      );
    }),
  ]);
}

/** Waits until the chain at `rpcUrl` answers, then connects to it. */
export async function connectChain(rpcUrl: string, timeoutMs: number): Promise<DevnetChain> {
  const chainId = await waitForChainId(rpcUrl, timeoutMs);
  // No response cache: setup reads what it has just written.
  const provider = new JsonRpcProvider(rpcUrl, Network.from(chainId), {
    staticNetwork: true,
    cacheTimeout: -1,
    pollingInterval: 500,
  });
  return { rpcUrl, chainId, provider };
}
