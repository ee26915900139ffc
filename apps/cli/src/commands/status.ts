import { Command } from "commander";
import { loadKeystore } from "@noosphere/node-kit";
import { withChain, withKey, withRpc } from "../chain/context";
import type { KeyOptions, RpcOptions } from "../chain/context";
import { formatNoos, trimNoos } from "../chain/format";
import { print, printJson, table } from "../chain/output";
import { listSubnets } from "./subnet";

export interface StatusOptions extends RpcOptions, KeyOptions {
  json?: boolean;
}

export function statusCommand(): Command {
  const cmd = new Command("status")
    .description("chain, supply and emission, subnets, and your balance with --key")
    .option("--json", "print JSON");
  withRpc(cmd);
  withKey(cmd, { optional: true, description: "keystore whose NOOS balance to show" });
  return cmd.action((opts: StatusOptions) => status(opts));
}

async function status(opts: StatusOptions): Promise<void> {
  // Open the key first: a wrong password should not wait on the chain.
  const account = opts.key ? (await loadKeystore(opts.key, opts.password)).address : undefined;
  await withChain(opts, async (chain) => {
    const { token, emission, staking } = chain;
    const [block, supply, cap, unaccrued, staked, subnets] = await Promise.all([
      chain.provider.getBlockNumber(),
      token.totalSupply(),
      token.cap(),
      emission.unaccruedEmission(),
      staking.totalPooled(),
      listSubnets(chain),
    ]);
    const reward = await emission.blockReward(supply);
    const [balance, eth] = account
      ? await Promise.all([token.balanceOf(account), chain.provider.getBalance(account)])
      : [undefined, undefined];

    if (opts.json) {
      printJson({
        chainId: chain.chainId,
        block,
        supply,
        cap,
        unaccruedEmission: unaccrued,
        blockReward: reward,
        staked,
        subnets,
        ...(account ? { account, balance, ethBalance: eth } : {}),
      });
      return;
    }
    const share = cap === 0n ? 0 : Number((supply * 1_000_000n) / cap) / 10_000;
    print(`chain id      ${chain.chainId} (block ${block})`);
    print(`supply        ${formatNoos(supply)} of ${formatNoos(cap)} (${share}%)`);
    print(`block reward  ${formatNoos(reward)} (${formatNoos(unaccrued)} emitted, not yet minted)`);
    print(`staked        ${formatNoos(staked)}`);
    if (account && balance !== undefined) print(`balance       ${formatNoos(balance)} (${account})`);
    print("");
    if (subnets.length === 0) {
      print("no subnets yet: create one with 'noos subnet create --task <id> --key <keystore>'");
      return;
    }
    print(`subnets (${subnets.length})`);
    const rows = subnets.map((s) => [
      String(s.netuid),
      s.taskId,
      `${s.neurons}/${s.maxUids}`,
      String(s.tempo),
      `${s.emissionBps / 100}%`,
      trimNoos(s.burnPrice),
    ]);
    for (const line of table(["netuid", "task", "neurons", "tempo", "emission", "burn (NOOS)"], rows))
      print(`  ${line}`);
  });
}
