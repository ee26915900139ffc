import hre from "hardhat";
import { mine } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { deployEmission, deployToken } from "@noosphere/deploy";

export interface GasRow {
  name: string;
  gas: bigint;
}

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("no receipt");
  return receipt.gasUsed;
}

/**
 * Gas of the token's and Emission's hot paths on the in-process Hardhat network. Steady state:
 * two subnets hold shares (60% and 30%, the rest to the treasury) and accruals have run before.
 */
export async function gasRows(): Promise<GasRow[]> {
  const [admin, treasury, distributor, alice, bob] = await hre.ethers.getSigners();
  if (!admin || !treasury || !distributor || !alice || !bob) throw new Error("need 5 signers");
  const token = await deployToken(admin, { admin: admin.address });
  const emission = await deployEmission(admin, { token, admin: admin.address, treasury: treasury.address });
  await token.grantRole(await token.MINTER_ROLE(), emission);
  await token.grantRole(await token.MINTER_ROLE(), admin.address);
  await emission.grantRole(await emission.PARAMS_ROLE(), admin.address);
  await emission.grantRole(await emission.DISTRIBUTOR_ROLE(), distributor.address);

  const rows: GasRow[] = [];
  rows.push({ name: "NoosToken deploy", gas: (await token.deploymentTransaction()!.wait())!.gasUsed });
  rows.push({ name: "Emission deploy", gas: (await emission.deploymentTransaction()!.wait())!.gasUsed });

  rows.push({
    name: "Emission.setEmissionShare (new subnet, 60%)",
    gas: await gasOf(emission.setEmissionShare(1, 6000)),
  });
  await emission.setEmissionShare(2, 2000);
  rows.push({
    name: "Emission.setEmissionShare (change, 20% -> 30%)",
    gas: await gasOf(emission.setEmissionShare(2, 3000)),
  });

  rows.push({ name: "Emission.accrue (1 block)", gas: await gasOf(emission.accrue()) });
  await mine(99);
  rows.push({ name: "Emission.accrue (100 blocks)", gas: await gasOf(emission.accrue()) });

  await mine(99);
  rows.push({
    name: "Emission.pull (accrues 100 blocks, first)",
    gas: await gasOf(emission.connect(distributor).pull(1)),
  });
  await mine(99);
  rows.push({ name: "Emission.pull (accrues 100 blocks)", gas: await gasOf(emission.connect(distributor).pull(1)) });

  await token.mint(alice.address, 1000n * 10n ** 18n);
  await token.mint(bob.address, 1n);
  rows.push({
    name: "NoosToken.transfer (no delegates)",
    gas: await gasOf(token.connect(alice).transfer(bob.address, 10n ** 18n)),
  });
  rows.push({
    name: "NoosToken.delegate (self, first time)",
    gas: await gasOf(token.connect(alice).delegate(alice.address)),
  });
  await token.connect(bob).delegate(bob.address);
  rows.push({
    name: "NoosToken.transfer (both sides delegated)",
    gas: await gasOf(token.connect(alice).transfer(bob.address, 10n ** 18n)),
  });
  rows.push({
    name: "NoosToken.delegate (change delegate)",
    gas: await gasOf(token.connect(alice).delegate(bob.address)),
  });

  // Long catch-ups last: they take issuance to the end of the schedule.
  await mine(10_499_900); // just below the first halving
  rows.push({ name: "Emission.accrue (10.5M blocks, 1 halving)", gas: await gasOf(emission.accrue()) });
  await mine(2n ** 31n);
  rows.push({ name: "Emission.accrue (2^31 blocks, all halvings: worst)", gas: await gasOf(emission.accrue()) });
  rows.push({
    name: "Emission.accrue (1 block, reward 0: end of schedule)",
    gas: await gasOf(emission.accrue()),
  });
  return rows;
}

/** Deployed bytecode sizes (the limit is 24,576 bytes). */
export async function bytecodeSizes(): Promise<{ name: string; bytes: number }[]> {
  const out: { name: string; bytes: number }[] = [];
  for (const name of ["NoosToken", "Emission"]) {
    const artifact = await hre.artifacts.readArtifact(name);
    out.push({ name, bytes: (artifact.deployedBytecode.length - 2) / 2 });
  }
  return out;
}

if (require.main === module) {
  (async () => {
    for (const row of await gasRows()) console.log(`${row.name.padEnd(56)} ${row.gas.toString().padStart(10)}`);
    for (const s of await bytecodeSizes())
      console.log(`${(s.name + " bytecode (bytes, limit 24,576)").padEnd(56)} ${String(s.bytes).padStart(10)}`);
  })().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
