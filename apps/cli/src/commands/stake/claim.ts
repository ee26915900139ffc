import { Command } from "commander";
import { openSigner, withChain, withKey, withRpc } from "../../chain/context";
import type { KeyOptions, RpcOptions } from "../../chain/context";
import { formatNoos } from "../../chain/format";
import { print } from "../../chain/output";
import { findEvent, send } from "../../chain/tx";
import { UserError } from "../../errors";

export function stakeClaimCommand(): Command {
  const cmd = new Command("claim").description("claim your credited rewards (miner incentive, owner take)");
  withRpc(cmd);
  withKey(cmd);
  return cmd.action((opts: RpcOptions & KeyOptions) =>
    withChain(opts, async (chain) => {
      const signer = await openSigner(chain, opts);
      const staking = chain.staking.connect(signer);
      const claimable = await staking.claimable(signer.address);
      if (claimable === 0n) {
        throw new UserError(`${signer.address} has nothing to claim yet: rewards are credited at each subnet epoch`);
      }
      const receipt = await send(`claim ${formatNoos(claimable)}`, () => staking.claim());
      const amount = findEvent(receipt, staking, "Claimed").getValue("amount") as bigint;
      print(`claimed ${formatNoos(amount)} to ${signer.address}`);
    }),
  );
}
