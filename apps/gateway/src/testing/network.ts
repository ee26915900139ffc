/**
 * The gateway's test network: the test kit's paid inference network (a Hardhat node, a priced
 * text-generation subnet served by noos-tiny miners, optionally an OCR subnet, a client's escrow),
 * plus the gateway's own view of that chain.
 */
import { startInferenceNetwork } from "@noosphere/testkit/network";
import type { InferenceNetwork, InferenceNetworkOptions } from "@noosphere/testkit/network";
import { ContractsChainView } from "../chain/contracts-chain-view";

export interface TestNetwork extends InferenceNetwork {
  /** What the gateway reads on-chain (axons, scores, prices), over this network. */
  chainView(): ContractsChainView;
}

export async function startTestNetwork(opts: InferenceNetworkOptions = {}): Promise<TestNetwork> {
  const net = await startInferenceNetwork(opts);
  const subnets = await net.registry.getAddress();
  const billing = await net.billing.getAddress();
  return Object.assign(net, {
    chainView: () => new ContractsChainView({ provider: net.provider, chainId: net.chainId, subnets, billing }),
  });
}
