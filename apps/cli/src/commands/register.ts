import { Command, Option } from "commander";
import { ZeroAddress } from "ethers";
import type { Wallet } from "ethers";
import { loadKeystore } from "@noosphere/node-kit";
import { openSigner, withChain, withKey, withRpc } from "../chain/context";
import type { KeyOptions, RpcOptions } from "../chain/context";
import { parseNoos, parseSmallInteger } from "../chain/amounts";
import { formatNoos } from "../chain/format";
import { print } from "../chain/output";
import { approveIfNeeded, requireBalance } from "../chain/token";
import { findEvent, preflight, send } from "../chain/tx";
import { UserError } from "../errors";

interface RegisterOptions extends RpcOptions, KeyOptions {
  netuid: string;
  hotkey?: string;
  hotkeyPassword?: string;
  maxBurn?: string;
}

export function registerCommand(): Command {
  const cmd = new Command("register")
    .description(
      "register a hotkey on a subnet: registers it with Staking under --key if needed, then burns the registration price",
    )
    .requiredOption("--netuid <n>", "subnet id")
    .option("--hotkey <keystore>", "the hotkey's keystore (default: --key is its own hotkey)")
    .addOption(new Option("--hotkey-password <pw>", "the hotkey keystore's password (default: --password)"))
    .option("--max-burn <NOOS>", "refuse if registration costs more than this");
  withRpc(cmd);
  withKey(cmd, { description: "keystore of the owner (coldkey), which pays the burn" });
  return cmd.action((opts: RegisterOptions) => register(opts));
}

async function register(opts: RegisterOptions): Promise<void> {
  const netuid = parseSmallInteger(opts.netuid, "--netuid", { min: 1n, max: 65_535n });
  const maxBurn = opts.maxBurn === undefined ? undefined : parseNoos(opts.maxBurn, "--max-burn", { allowZero: true });
  await withChain(opts, async (chain) => {
    const owner = await openSigner(chain, opts);
    const hotkey: Wallet = opts.hotkey
      ? (await loadKeystore(opts.hotkey, opts.hotkeyPassword ?? opts.password)).connect(chain.provider)
      : owner;
    const { subnets, staking } = chain;
    if (!(await subnets.subnetExists(netuid))) {
      throw new UserError(`there is no subnet ${netuid}: see 'noos subnet list'`);
    }
    if (await subnets.isRegistered(netuid, hotkey.address)) {
      const uid = await subnets.uidOf(netuid, hotkey.address);
      print(`hotkey ${hotkey.address} is already registered on subnet ${netuid} as uid ${uid}`);
      return;
    }

    // The hotkey must belong to the owner in Staking (so that stake and rewards reach the owner).
    const current = await staking.ownerOf(hotkey.address);
    if (current === ZeroAddress) {
      await send(`register hotkey ${hotkey.address} with Staking (owner ${owner.address})`, () =>
        staking.connect(hotkey).registerHotkey(owner.address),
      );
    } else if (current !== owner.address) {
      throw new UserError(
        `hotkey ${hotkey.address} belongs to ${current} in Staking, not to ${owner.address}: pass that owner's --key`,
      );
    }

    const price = await subnets.burnPrice(netuid);
    print(`registration on subnet ${netuid} burns ${formatNoos(price)}`);
    if (maxBurn !== undefined && price > maxBurn) {
      throw new UserError(
        `registration costs ${formatNoos(price)} now, above --max-burn ${formatNoos(maxBurn)}: ` +
          `raise --max-burn or wait for the price to decay`,
      );
    }
    await requireBalance(chain, owner.address, price, "registration burns");
    // The limit the contract enforces: the quoted price, or --max-burn if the caller allows more.
    const limit = maxBurn ?? price;
    const registry = subnets.connect(owner);
    await preflight(() => registry.register.staticCall(netuid, hotkey.address, limit));
    await approveIfNeeded(chain, owner, await registry.getAddress(), limit, "SubnetRegistry");
    const receipt = await send(`register ${hotkey.address} on subnet ${netuid}`, () =>
      registry.register(netuid, hotkey.address, limit),
    );
    const event = findEvent(receipt, registry, "NeuronRegistered");
    const uid = Number(event.getValue("uid"));
    print(
      `registered hotkey ${hotkey.address} on subnet ${netuid} as uid ${uid} (burned ${formatNoos(event.getValue("burned") as bigint)})`,
    );
  });
}
