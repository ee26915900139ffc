import { Command } from "commander";
import { openSigner, withChain, withKey, withRpc } from "../../chain/context";
import type { KeyOptions, RpcOptions } from "../../chain/context";
import { parseAddress, parseInteger, parseNoos } from "../../chain/amounts";
import { formatNoos } from "../../chain/format";
import { print } from "../../chain/output";
import { findEvent, preflight, send } from "../../chain/tx";
import { UserError } from "../../errors";

interface RemoveOptions extends RpcOptions, KeyOptions {
  hotkey: string;
  shares?: string;
  amount?: string;
  all?: boolean;
  minAmount?: string;
}

export function stakeRemoveCommand(): Command {
  const cmd = new Command("remove")
    .description("unstake from a hotkey: starts the cooldown, then 'noos stake withdraw'")
    .requiredOption("--hotkey <address>", "the hotkey to unstake from")
    .option("--amount <NOOS>", "unstake this much")
    .option("--shares <n>", "unstake this many pool shares")
    .option("--all", "unstake everything on this hotkey")
    .option("--min-amount <NOOS>", "refuse if the shares are worth less than this (default: their value now)");
  withRpc(cmd);
  withKey(cmd);
  return cmd.action((opts: RemoveOptions) => remove(opts));
}

async function remove(opts: RemoveOptions): Promise<void> {
  const hotkey = parseAddress(opts.hotkey, "--hotkey");
  const given = [opts.amount, opts.shares, opts.all].filter((x) => x !== undefined).length;
  if (given !== 1) throw new UserError("say how much to unstake with exactly one of --amount, --shares or --all");
  const amount = opts.amount === undefined ? undefined : parseNoos(opts.amount, "--amount");
  const sharesFlag = opts.shares === undefined ? undefined : parseInteger(opts.shares, "--shares", { min: 1n });
  const minAmountFlag =
    opts.minAmount === undefined ? undefined : parseNoos(opts.minAmount, "--min-amount", { allowZero: true });
  await withChain(opts, async (chain) => {
    const signer = await openSigner(chain, opts);
    const staking = chain.staking.connect(signer);
    const held = await staking.sharesOf(hotkey, signer.address);
    if (held === 0n) throw new UserError(`${signer.address} has no stake on ${hotkey}: see 'noos stake show'`);
    const heldValue = await staking.previewUndelegate(hotkey, held);

    let shares: bigint;
    if (amount !== undefined) {
      // The fewest shares worth at least `amount` (the quote rounds down, so maybe one more).
      shares = await staking.previewDelegate(hotkey, amount);
      if ((await staking.previewUndelegate(hotkey, shares)) < amount) shares += 1n;
      if (shares > held) {
        throw new UserError(
          `${signer.address} has ${formatNoos(heldValue)} on ${hotkey}: ask for at most that, or use --all`,
        );
      }
    } else if (sharesFlag !== undefined) {
      if (sharesFlag > held)
        throw new UserError(`${signer.address} holds ${held} shares of ${hotkey}, not ${sharesFlag}`);
      shares = sharesFlag;
    } else {
      shares = held;
    }
    // A share's value never falls, so its value now is a safe floor.
    const quote = await staking.previewUndelegate(hotkey, shares);
    const minAmount = minAmountFlag ?? amount ?? quote;
    await preflight(() => staking.undelegate.staticCall(hotkey, shares, minAmount), []);
    const receipt = await send(`unstake ${formatNoos(quote)} from ${hotkey}`, () =>
      staking.undelegate(hotkey, shares, minAmount),
    );
    const event = findEvent(receipt, staking, "Undelegated");
    const out = event.getValue("amount") as bigint;
    print(
      `unstaking ${formatNoos(out)} (${shares} shares) from ${hotkey}: request #${event.getValue("requestId")}, ` +
        `withdraw it from block ${event.getValue("readyBlock")} with 'noos stake withdraw'`,
    );
  });
}
