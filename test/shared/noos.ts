/**
 * The one place tests get a NOOS token. Until NoosToken is merged this deploys the test-only
 * BillingTestToken (same stack: ERC20, Capped 21M, Permit, Votes, Burnable, MINTER_ROLE);
 * swap the marked line for the real deploy helper, e.g. `await deployToken(admin, { admin: ... })`.
 */
import type { Signer } from "ethers";
import { BillingTestToken__factory } from "../../packages/contracts/generated/typechain";
import { MINTER_ROLE } from "../../scripts/deploy/billing";

export async function deployNoos(admin: Signer) {
  const token = await new BillingTestToken__factory(admin).deploy(await admin.getAddress()); // <- swap for NoosToken
  await token.waitForDeployment();
  // The tests mint balances with the admin key.
  const adminAddress = await admin.getAddress();
  if (!(await token.hasRole(MINTER_ROLE, adminAddress))) await (await token.grantRole(MINTER_ROLE, adminAddress)).wait();
  return token;
}

export type Noos = Awaited<ReturnType<typeof deployNoos>>;
