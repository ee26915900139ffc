import { FetchRequest, JsonRpcProvider, NonceManager } from "ethers";
import type { JsonRpcApiProviderOptions, Signer, Wallet } from "ethers";

export class ChainConnectionError extends Error {}

/**
 * Connects to an RPC and checks it answers, with a message that says what to do if not. `options`
 * go to ethers' provider (e.g. `cacheTimeout: -1` for a service that caches reads itself and must
 * see each new nonce at once). Each call gives up after `timeoutMs` (default 10 s; ethers' own is
 * 5 minutes), so a paused chain fails requests with a retryable error instead of stalling them.
 */
export async function connectRpc(
  rpcUrl: string,
  options: JsonRpcApiProviderOptions & { timeoutMs?: number } = {},
): Promise<{ provider: JsonRpcProvider; chainId: number }> {
  const { timeoutMs, ...providerOptions } = options;
  const request = new FetchRequest(rpcUrl);
  request.timeout = timeoutMs ?? 10_000;
  const provider = new JsonRpcProvider(request, undefined, {
    staticNetwork: true,
    batchMaxCount: 1,
    ...providerOptions,
  });
  try {
    const network = await provider.getNetwork();
    return { provider, chainId: Number(network.chainId) };
  } catch (err) {
    provider.destroy();
    throw new ChainConnectionError(
      `cannot reach the chain at ${rpcUrl} (${(err as Error).message}). ` +
        `Start one with 'npm run devnet' or pass --rpc <url>.`,
    );
  }
}

/** A signer that keeps its own nonce count, so a service can send transactions back to back. */
export function managedSigner(wallet: Wallet, provider: JsonRpcProvider): Signer {
  return new NonceManager(wallet.connect(provider));
}

/**
 * Polls eth_chainId with plain fetch (ethers' provider would retry noisily) until a node answers at
 * `rpcUrl`; returns its chain id. `gaveUp` ends the wait early: it returns why (e.g. the node's
 * process exited) or undefined to keep waiting.
 */
export async function waitForChainId(
  rpcUrl: string,
  timeoutMs: number,
  gaveUp: () => string | undefined = () => undefined,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const why = gaveUp();
    if (why) throw new ChainConnectionError(why);
    try {
      const res = await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      const { result } = (await res.json()) as { result?: string };
      if (result) return Number(result);
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new ChainConnectionError(
        `no chain answered at ${rpcUrl} within ${timeoutMs} ms${lastError ? `: ${lastError}` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
