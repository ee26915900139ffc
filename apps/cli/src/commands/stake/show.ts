import { Command } from "commander";
import { ZeroAddress } from "ethers";
import { loadKeystore } from "@noosphere/node-kit";
import { withChain, withKey, withRpc } from "../../chain/context";
import type { Chain, KeyOptions, RpcOptions } from "../../chain/context";
import { parseAddress } from "../../chain/amounts";
import { formatNoos, trimNoos } from "../../chain/format";
import { print, printJson, table } from "../../chain/output";
import { UserError } from "../../errors";

interface ShowOptions extends RpcOptions, KeyOptions {
  hotkey?: string;
  account?: string;
  json?: boolean;
}

/** A hotkey's pool: owner, take, stake and shares. */
export interface PoolView {
  hotkey: string;
  owner: string;
  takeBps: number;
  pendingTake: { bps: number; fromBlock: number } | null;
  stake: bigint;
  shares: bigint;
}

/** One delegation of an account. */
export interface PositionView {
  hotkey: string;
  shares: bigint;
  value: bigint;
}

/** An account's staking: its delegations, unstake requests and claimable rewards. */
export interface AccountView {
  account: string;
  balance: bigint;
  claimable: bigint;
  delegations: PositionView[];
  thawing: { amount: bigint; readyBlock: number }[];
  withdrawableNow: bigint;
  block: number;
}

const MAX_LISTED_REQUESTS = 100;

export function stakeShowCommand(): Command {
  const cmd = new Command("show")
    .description("a hotkey's pool (--hotkey) and an account's delegations, unstake requests and rewards")
    .option("--hotkey <address>", "show this hotkey's pool (and the account's position in it)")
    .option("--account <address>", "the account to show (default: the --key's address)")
    .option("--json", "print JSON");
  withRpc(cmd);
  withKey(cmd, { optional: true, description: "keystore whose account to show" });
  return cmd.action((opts: ShowOptions) => show(opts));
}

async function show(opts: ShowOptions): Promise<void> {
  const hotkey = opts.hotkey === undefined ? undefined : parseAddress(opts.hotkey, "--hotkey");
  let account = opts.account === undefined ? undefined : parseAddress(opts.account, "--account");
  if (account === undefined && opts.key) account = (await loadKeystore(opts.key, opts.password)).address;
  if (hotkey === undefined && account === undefined) {
    throw new UserError("say what to show: --hotkey <address>, --account <address> or --key <keystore>");
  }
  await withChain(opts, async (chain) => {
    const pool = hotkey === undefined ? undefined : await poolView(chain, hotkey);
    const position =
      hotkey === undefined || account === undefined ? undefined : await positionView(chain, hotkey, account);
    const acct = account === undefined || hotkey !== undefined ? undefined : await accountView(chain, account);
    if (opts.json) {
      printJson({ ...(pool ? { pool } : {}), ...(position ? { position } : {}), ...(acct ? { account: acct } : {}) });
      return;
    }
    if (pool) printPool(pool);
    if (position) print(`position of ${account}: ${formatNoos(position.value)} (${position.shares} shares)`);
    if (acct) printAccount(acct);
  });
}

export async function poolView(chain: Chain, hotkey: string): Promise<PoolView> {
  const { staking } = chain;
  const [owner, take, pending, [pooled, shares]] = await Promise.all([
    staking.ownerOf(hotkey),
    staking.takeOf(hotkey),
    staking.pendingTakeOf(hotkey),
    staking.poolOf(hotkey),
  ]);
  if (owner === ZeroAddress) {
    throw new UserError(`hotkey ${hotkey} is not registered with Staking: its owner registers it with 'noos register'`);
  }
  return {
    hotkey,
    owner,
    takeBps: Number(take),
    pendingTake:
      pending.effectiveBlock === 0n ? null : { bps: Number(pending.take), fromBlock: Number(pending.effectiveBlock) },
    stake: pooled,
    shares,
  };
}

export async function positionView(chain: Chain, hotkey: string, account: string): Promise<PositionView> {
  const [shares, value] = await Promise.all([
    chain.staking.sharesOf(hotkey, account),
    chain.staking.delegationValueOf(hotkey, account),
  ]);
  return { hotkey, shares, value };
}

export async function accountView(chain: Chain, account: string): Promise<AccountView> {
  const { staking } = chain;
  // Staking keeps no list of an account's hotkeys: its Delegated events name them.
  const events = await staking.queryFilter(
    staking.filters.Delegated(undefined, account),
    chain.deployment.deployedAtBlock,
  );
  const hotkeys = [...new Set(events.map((e) => e.args.hotkey))];
  const [balance, claimable, positions, requests, ready, block] = await Promise.all([
    chain.token.balanceOf(account),
    staking.claimable(account),
    Promise.all(hotkeys.map((h) => positionView(chain, h, account))),
    staking.thawRequestsOf(account, 0, MAX_LISTED_REQUESTS),
    staking.withdrawable(account, MAX_LISTED_REQUESTS),
    chain.provider.getBlockNumber(),
  ]);
  return {
    account,
    balance,
    claimable,
    delegations: positions.filter((p) => p.shares > 0n),
    thawing: requests.map((r) => ({ amount: r.amount, readyBlock: Number(r.readyBlock) })),
    withdrawableNow: ready.amount,
    block,
  };
}

function printPool(p: PoolView): void {
  print(`hotkey ${p.hotkey}`);
  print(`  owner   ${p.owner}`);
  print(
    `  take    ${p.takeBps / 100}%${p.pendingTake ? ` (${p.pendingTake.bps / 100}% from block ${p.pendingTake.fromBlock})` : ""}`,
  );
  print(`  stake   ${formatNoos(p.stake)} (${p.shares} shares)`);
}

function printAccount(a: AccountView): void {
  print(`account ${a.account} (block ${a.block})`);
  print(`  balance    ${formatNoos(a.balance)}`);
  print(`  claimable  ${formatNoos(a.claimable)}${a.claimable > 0n ? " ('noos stake claim')" : ""}`);
  print("");
  if (a.delegations.length === 0) print("no delegations");
  else {
    print("delegations");
    const rows = a.delegations.map((d) => [d.hotkey, trimNoos(d.value), String(d.shares)]);
    for (const line of table(["hotkey", "value (NOOS)", "shares"], rows)) print(`  ${line}`);
  }
  if (a.thawing.length > 0) {
    print("");
    print(`unstaking (withdrawable now: ${formatNoos(a.withdrawableNow)})`);
    const rows = a.thawing.map((r) => [
      trimNoos(r.amount),
      String(r.readyBlock),
      r.readyBlock <= a.block ? "yes" : "no",
    ]);
    for (const line of table(["amount (NOOS)", "ready at block", "ready"], rows)) print(`  ${line}`);
  }
}
