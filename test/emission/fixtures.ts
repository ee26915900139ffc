import { ethers } from "hardhat";
import type { TransactionReceipt } from "ethers";
import type { Emission } from "@noosphere/contracts";
import { deployEmission, deployToken } from "@noosphere/deploy";

/**
 * Token + Emission wired as in production (Emission holds MINTER_ROLE), plus a test minter that
 * stands for Billing (changes issuance), a PARAMS_ROLE holder and a DISTRIBUTOR_ROLE holder.
 * Ends with an accrual so every test starts with nothing unaccrued but the blocks it mines.
 */
export async function emissionFixture() {
  const [admin, params, distributor, treasury, minter, holder, alice] = await ethers.getSigners();
  if (!admin || !params || !distributor || !treasury || !minter || !holder || !alice) {
    throw new Error("need 7 signers");
  }
  const token = await deployToken(admin, { admin: admin.address });
  const emission = await deployEmission(admin, { token, admin: admin.address, treasury: treasury.address });
  const deployBlock = (await emission.deploymentTransaction()!.wait())!.blockNumber;
  await token.grantRole(await token.MINTER_ROLE(), emission);
  await token.grantRole(await token.MINTER_ROLE(), minter.address);
  await emission.grantRole(await emission.PARAMS_ROLE(), params.address);
  await emission.grantRole(await emission.DISTRIBUTOR_ROLE(), distributor.address);
  await emission.accrue();
  return { token, emission, deployBlock, admin, params, distributor, treasury, minter, holder, alice };
}

/** Amounts minted by the accruals in a receipt (its EmissionAccrued events), in log order. */
export function accruals(emission: Emission, receipt: TransactionReceipt | null): bigint[] {
  const out: bigint[] = [];
  for (const log of receipt?.logs ?? []) {
    const parsed = emission.interface.parseLog(log);
    if (parsed?.name === "EmissionAccrued") out.push(parsed.args.amount as bigint);
  }
  return out;
}
