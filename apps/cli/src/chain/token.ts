import type { Signer } from "ethers";
import { UserError } from "../errors";
import type { Chain } from "./context";
import { formatNoos } from "./format";
import { send } from "./tx";

/** Refuses, before any transaction, when `account` holds less than `needed` NOOS for `what`. */
export async function requireBalance(chain: Chain, account: string, needed: bigint, what: string): Promise<void> {
  const balance = await chain.token.balanceOf(account);
  if (balance < needed) {
    throw new UserError(
      `insufficient balance: ${what} ${formatNoos(needed)} but ${account} holds ${formatNoos(balance)}`,
    );
  }
}

/** Approves `spender` for `amount` NOOS of `owner`'s unless the allowance already covers it. */
export async function approveIfNeeded(
  chain: Chain,
  owner: Signer,
  spender: string,
  amount: bigint,
  spenderName: string,
): Promise<void> {
  if (amount === 0n) return;
  const token = chain.token.connect(owner);
  const allowance = await token.allowance(await owner.getAddress(), spender);
  if (allowance >= amount) return;
  await send(`approve ${formatNoos(amount)} to ${spenderName}`, () => token.approve(spender, amount));
}
