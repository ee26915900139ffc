import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { HDNodeWallet, JsonRpcProvider, Mnemonic } from "ethers";

const ROOT = path.resolve(__dirname, "..", "..", "..", "..");
/** Hardhat's default mnemonic: its node funds the first 20 accounts with 10,000 ETH each. */
const MNEMONIC = "test test test test test test test test test test test junk";

export interface HardhatNode {
  rpcUrl: string;
  provider: JsonRpcProvider;
  /** Hardhat's funded account `index` (0..19) as a wallet connected to the node. */
  account(index: number): HDNodeWallet;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (bound then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns `hardhat node` (automine, chain id 31337) on a free port for one test file and waits
 * until it answers. Contracts must be compiled first (`npx hardhat compile`): tests deploy the
 * typechain factories' bytecode.
 */
export async function startHardhatNode(timeoutMs = 90_000): Promise<HardhatNode> {
  const port = await freePort();
  const cli = require.resolve("hardhat/internal/cli/cli.js", { paths: [ROOT] });
  const child = spawn(process.execPath, [cli, "node", "--port", String(port), "--hostname", "127.0.0.1"], {
    cwd: ROOT,
    env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const rpcUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForRpc(rpcUrl, child, timeoutMs);
  } catch (err) {
    child.kill("SIGKILL");
    throw new Error(`${(err as Error).message}\n--- hardhat node output ---\n${output}`);
  }
  const provider = new JsonRpcProvider(rpcUrl, 31337, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 });
  provider.pollingInterval = 50;
  const mnemonic = Mnemonic.fromPhrase(MNEMONIC);
  return {
    rpcUrl,
    provider,
    account: (index) => HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${index}`).connect(provider),
    stop: async () => {
      provider.destroy();
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

async function waitForRpc(rpcUrl: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited with code ${child.exitCode}`);
    try {
      const res = await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`hardhat node did not answer at ${rpcUrl} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
