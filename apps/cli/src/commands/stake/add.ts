import { Command } from "commander";
import { openSigner, withChain, withKey, withRpc } from "../../chain/context";
import type { KeyOptions, RpcOptions } from "../../chain/context";
import { parseAddress, parseInteger, parseNoos } from "../../chain/amounts";
import { formatNoos } from "../../chain/format";
import { print } from "../../chain/output";
import { approveIfNeeded, requireBalance } from "../../chain/token";
import { findEvent, preflight, send } from "../../chain/tx";

interface AddOptions extends RpcOptions, KeyOptions {
  hotkey: string;
  amount: string;
  minShares?: string;
}

/** Without --min-shares, a delegation accepts down to this share of the shares quoted (in basis points). */
const DEFAULT_MIN_SHARES_BPS = 9_900n;

export function stakeAddCommand(): Command {
  const cmd = new Command("add")
    .description("delegate NOOS to a hotkey (approves Staking first)")
    .requiredOption("--hotkey <address>", "the hotkey to back")
    .requiredOption("--amount <NOOS>", "how much to delegate, e.g. 10 or 0.5")
    .option("--min-shares <n>", "refuse if fewer pool shares would be minted (default: 99% of the quote)");
  withRpc(cmd);
  withKey(cmd);
  return cmd.action((opts: AddOptions) => add(opts));
}

async function add(opts: AddOptions): Promise<void> {
  const hotkey = parseAddress(opts.hotkey, "--hotkey");
  const amount = parseNoos(opts.amount, "--amount");
  const minSharesFlag = opts.minShares === undefined ? undefined : parseInteger(opts.minShares, "--min-shares");
  await withChain(opts, async (chain) => {
    const signer = await openSigner(chain, opts);
    const staking = chain.staking.connect(signer);
    const quoted = await staking.previewDelegate(hotkey, amount);
    const minShares = minSharesFlag ?? (quoted * DEFAULT_MIN_SHARES_BPS) / 10_000n;
    // Refusals (unknown hotkey, below the minimum delegation, slippage) before anything is spent.
    await preflight(() => staking.delegate.staticCall(hotkey, amount, minShares));
    await requireBalance(chain, signer.address, amount, "delegating");
    print(`delegating ${formatNoos(amount)} to ${hotkey}: about ${quoted} shares (at least ${minShares})`);
    await approveIfNeeded(chain, signer, await staking.getAddress(), amount, "Staking");
    const receipt = await send(`delegate ${formatNoos(amount)} to ${hotkey}`, () =>
      staking.delegate(hotkey, amount, minShares),
    );
    const shares = findEvent(receipt, staking, "Delegated").getValue("shares") as bigint;
    const position = await staking.delegationValueOf(hotkey, signer.address);
    print(
      `delegated ${formatNoos(amount)} to ${hotkey} for ${shares} shares; your position there: ${formatNoos(position)}`,
    );
  });
}
