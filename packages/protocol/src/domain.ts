import type { TypedDataDomain } from "ethers";

/**
 * The EIP-712 domain of off-chain Noosphere messages (requests and responses). Binding it to the
 * chain id and the subnet registry's address makes a signature useless on any other deployment.
 */
export function wireDomain(chainId: bigint | number, subnetRegistry: string): TypedDataDomain {
  return { name: "Noosphere", version: "1", chainId, verifyingContract: subnetRegistry };
}
