import { Contract, ZeroAddress } from "ethers";
import type { Provider } from "ethers";
import type { IncentiveSource } from "./contracts-chain-view";

/** The one Consensus view the gateway reads (contracts/consensus/ConsensusViews.sol). */
const CONSENSUS_ABI = ["function incentives(uint16 netuid) view returns (uint256[])"];

/**
 * Incentives of the last epoch from the Consensus contract at `address`, or undefined when the
 * deployment has none (the registry's per-UID emission is used instead). A read that fails (no
 * epoch yet) gives an empty list, which also falls back to emission.
 */
export async function consensusIncentives(
  provider: Provider,
  address: string | undefined,
): Promise<IncentiveSource | undefined> {
  if (!address || address === ZeroAddress || (await provider.getCode(address)) === "0x") return undefined;
  const consensus = new Contract(address, CONSENSUS_ABI, provider);
  return async (netuid) => {
    try {
      return (await consensus.getFunction("incentives").staticCall(netuid)) as bigint[];
    } catch {
      return [];
    }
  };
}
