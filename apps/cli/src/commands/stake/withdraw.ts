import { Command } from "commander";
import { openSigner, withChain, withKey, withRpc } from "../../chain/context";
import type { KeyOptions, RpcOptions } from "../../chain/context";
import { parseInteger } from "../../chain/amounts";
import { formatNoos } from "../../chain/format";
import { print } from "../../chain/output";
import { findEvent, send } from "../../chain/tx";
import { UserError } from "../../errors";

interface WithdrawOptions extends RpcOptions, KeyOptions {
  max: string;
}

export function stakeWithdrawCommand(): Command {
  const cmd = new Command("withdraw")
    .description("withdraw unstaked NOOS whose cooldown has passed, oldest request first")
    .option("--max <n>", "process at most this many requests (bounds the gas)", "32");
  withRpc(cmd);
  withKey(cmd);
  return cmd.action((opts: WithdrawOptions) => withdraw(opts));
}

async function withdraw(opts: WithdrawOptions): Promise<void> {
  const max = parseInteger(opts.max, "--max", { min: 1n, max: 1_000n });
  await withChain(opts, async (chain) => {
    const signer = await openSigner(chain, opts);
    const staking = chain.staking.connect(signer);
    const ready = await staking.withdrawable(signer.address, max);
    if (ready.requests === 0n) {
      const [next] = await staking.thawRequestsOf(signer.address, 0, 1);
      if (!next)
        throw new UserError(`${signer.address} has nothing to withdraw: unstake first with 'noos stake remove'`);
      const block = await chain.provider.getBlockNumber();
      throw new UserError(
        `nothing to withdraw yet: the next request (${formatNoos(next.amount)}) is ready at block ${next.readyBlock} ` +
          `(now ${block})`,
      );
    }
    const receipt = await send(`withdraw ${ready.requests} unstake request(s)`, () => staking.withdraw(max));
    const event = findEvent(receipt, staking, "Withdrawn");
    print(
      `withdrew ${formatNoos(event.getValue("amount") as bigint)} (${event.getValue("requests")} request(s)) to ${signer.address}`,
    );
  });
}
