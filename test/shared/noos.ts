/** The one place the billing, models and governance tests (and the billing gas bench) get the NOOS token. */
import type { Signer } from "ethers";
import { deployToken, MINTER_ROLE } from "@noosphere/deploy";

export async function deployNoos(admin: Signer) {
  const token = await deployToken(admin, { admin: await admin.getAddress() });
  // The tests mint balances with the admin key.
  const adminAddress = await admin.getAddress();
  if (!(await token.hasRole(MINTER_ROLE, adminAddress)))
    await (await token.grantRole(MINTER_ROLE, adminAddress)).wait();
  return token;
}

export type Noos = Awaited<ReturnType<typeof deployNoos>>;
