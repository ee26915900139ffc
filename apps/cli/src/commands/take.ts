import { Command } from "commander";
import { openSigner, withChain, withKey, withRpc } from "../chain/context";
import type { KeyOptions, RpcOptions } from "../chain/context";
import { parseAddress, parseSmallInteger } from "../chain/amounts";
import { print } from "../chain/output";
import { findEvent, preflight, send } from "../chain/tx";

interface TakeSetOptions extends RpcOptions, KeyOptions {
  hotkey: string;
  bps: string;
}

/** `noos take set`: the hotkey owner's take on validator dividends. */
export function takeCommand(): Command {
  const take = new Command("take").description("a hotkey owner's take on its delegators' dividends");
  const set = take
    .command("set")
    .description("set a hotkey's take: a cut applies at once, a raise after a delay (and at most once per interval)")
    .requiredOption("--hotkey <address>", "the hotkey (owned by --key)")
    .requiredOption("--bps <n>", "the take in basis points (100 = 1%, at most 1800)");
  withRpc(set);
  withKey(set, { description: "keystore of the hotkey's owner" });
  set.action((opts: TakeSetOptions) => setTake(opts));
  return take;
}

async function setTake(opts: TakeSetOptions): Promise<void> {
  const hotkey = parseAddress(opts.hotkey, "--hotkey");
  const bps = parseSmallInteger(opts.bps, "--bps", { max: 10_000n });
  await withChain(opts, async (chain) => {
    const owner = await openSigner(chain, opts);
    const staking = chain.staking.connect(owner);
    const [current, pending] = await Promise.all([staking.takeOf(hotkey), staking.pendingTakeOf(hotkey)]);
    if (bps <= Number(current)) {
      // Lowering (or cancelling a pending raise) applies at once. The call also checks ownership.
      await preflight(() => staking.decreaseTake.staticCall(hotkey, bps), []);
      if (bps === Number(current) && pending.effectiveBlock === 0n) {
        print(`the take of ${hotkey} is already ${bps} bps (${bps / 100}%)`);
        return;
      }
      await send(`set take of ${hotkey} to ${bps} bps`, () => staking.decreaseTake(hotkey, bps));
      print(`take of ${hotkey} is now ${bps} bps (${bps / 100}%), was ${current} bps`);
      return;
    }
    await preflight(() => staking.increaseTake.staticCall(hotkey, bps), []);
    const receipt = await send(`raise take of ${hotkey} to ${bps} bps`, () => staking.increaseTake(hotkey, bps));
    const from = findEvent(receipt, staking, "TakeIncreaseScheduled").getValue("effectiveBlock");
    print(`take of ${hotkey} rises from ${current} to ${bps} bps (${bps / 100}%) at block ${from}`);
  });
}
