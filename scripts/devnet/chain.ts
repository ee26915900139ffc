import path from "node:path";
import { JsonRpcProvider } from "ethers";
import type { ProcessGroup } from "./processes";

const ROOT = path.resolve(__dirname, "..", "..");

/** Starts a Hardhat node (in-memory chain, 20 funded accounts) and waits until it answers. */
export async function startHardhatNode(
  group: ProcessGroup,
  opts: { port: number; blockTimeMs: number },
): Promise<{ rpcUrl: string; provider: JsonRpcProvider }> {
  const hardhat = require.resolve("hardhat/internal/cli/cli.js", { paths: [ROOT] });
  group.start("chain", process.execPath, [hardhat, "node", "--port", String(opts.port), "--hostname", "127.0.0.1"], {
    cwd: ROOT,
    env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" },
  });
  const rpcUrl = `http://127.0.0.1:${opts.port}`;
  const provider = await waitForRpc(rpcUrl, 60_000);
  // Blocks every blockTimeMs even when idle (epochs are counted in blocks), and at once on a
  // transaction, so setup does not wait a second per transaction.
  await provider.send("evm_setIntervalMining", [opts.blockTimeMs]);
  return { rpcUrl, provider };
}

/** Polls eth_chainId with plain fetch (ethers' provider would retry noisily) until the chain answers. */
export async function waitForRpc(rpcUrl: string, timeoutMs: number): Promise<JsonRpcProvider> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      const { result } = (await res.json()) as { result?: string };
      if (result) return new JsonRpcProvider(rpcUrl, Number(result), { staticNetwork: true });
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`no chain answered at ${rpcUrl} within ${timeoutMs} ms: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
