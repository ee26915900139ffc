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
