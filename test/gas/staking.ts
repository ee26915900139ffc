// Gas of Staking's calls on the in-process Hardhat network.
// Run: npx hardhat run test/gas/staking.ts
import hre from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { NoosToken, Staking } from "@noosphere/contracts";
import { deployToken, configureStaking, deployStaking, grantStakingRewarder } from "@noosphere/deploy";

export interface GasRow {
  name: string;
  gas: bigint;
}

const MINERS = 256;
const VALIDATORS = 64;
const E = (n: string) => hre.ethers.parseEther(n);

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("no receipt");
  return receipt.gasUsed;
}

/** A funded signer at a fixed address (hotkeys and owners of the big batch). */
async function signerAt(n: number): Promise<HardhatEthersSigner> {
  const address = hre.ethers.zeroPadValue(hre.ethers.toBeHex(0x5eed0000 + n), 20);
  await hre.network.provider.send("hardhat_setBalance", [address, "0x56bc75e2d63100000"]);
  return hre.ethers.getImpersonatedSigner(address);
}

async function setup(): Promise<{ staking: Staking; token: NoosToken; signers: HardhatEthersSigner[] }> {
  const signers = await hre.ethers.getSigners();
  const admin = signers[0]!;
  const token = await deployToken(admin, { admin: admin.address });
  await (await token.grantRole(await token.MINTER_ROLE(), admin.address)).wait();
  const staking = await deployStaking(admin, { token: await token.getAddress(), admin: admin.address });
  await configureStaking(staking, { unstakeCooldownBlocks: 1 });
  await grantStakingRewarder(staking, admin.address);
  for (const s of signers.slice(0, 8)) {
    await (await token.mint(s.address, E("1000000"))).wait();
    await (await token.connect(s).approve(await staking.getAddress(), hre.ethers.MaxUint256)).wait();
  }
  return { staking, token, signers };
}

export async function gasRows(): Promise<GasRow[]> {
  const rows: GasRow[] = [];
  const { staking, signers } = await setup();
  const [admin, hotkey, owner, alice, bob] = signers;
  if (!admin || !hotkey || !owner || !alice || !bob) throw new Error("not enough signers");

  rows.push({ name: "registerHotkey", gas: await gasOf(staking.connect(hotkey).registerHotkey(owner.address)) });
  rows.push({
    name: "delegate (first into an empty pool)",
    gas: await gasOf(staking.connect(alice).delegate(hotkey.address, E("100"), 0)),
  });
  rows.push({
    name: "delegate (new delegator, pool not empty)",
    gas: await gasOf(staking.connect(bob).delegate(hotkey.address, E("50"), 0)),
  });
  rows.push({
    name: "delegate (adding to a position)",
    gas: await gasOf(staking.connect(alice).delegate(hotkey.address, E("10"), 0)),
  });
  rows.push({
    name: "distribute (validator: incentive + dividends, owner claimable 0)",
    gas: await gasOf(staking.distribute(hotkey.address, E("1"), E("10"))),
  });
  rows.push({
    name: "distribute (validator: incentive + dividends, owner claimable > 0)",
    gas: await gasOf(staking.distribute(hotkey.address, E("1"), E("10"))),
  });
  rows.push({ name: "credit", gas: await gasOf(staking.credit(bob.address, E("1"))) });
  rows.push({ name: "claim (first)", gas: await gasOf(staking.connect(owner).claim()) });
  rows.push({
    name: "distribute (miner: incentive only, owner has just claimed)",
    gas: await gasOf(staking.distribute(hotkey.address, E("1"), 0)),
  });
  rows.push({ name: "claim (later)", gas: await gasOf(staking.connect(owner).claim()) });
  rows.push({
    name: "undelegate (first thaw request)",
    gas: await gasOf(staking.connect(alice).undelegate(hotkey.address, E("1") * 10n ** 6n, 0)),
  });
  rows.push({
    name: "undelegate (later thaw request)",
    gas: await gasOf(staking.connect(alice).undelegate(hotkey.address, E("1") * 10n ** 6n, 0)),
  });
  rows.push({ name: "withdraw (1 request)", gas: await gasOf(staking.connect(alice).withdraw(1)) });
  for (let i = 0; i < 10; i++)
    await (await staking.connect(alice).undelegate(hotkey.address, E("1") * 10n ** 6n, 0)).wait();
  await hre.network.provider.send("hardhat_mine", ["0x2"]);
  rows.push({ name: "withdraw (10 requests)", gas: await gasOf(staking.connect(alice).withdraw(10)) });
  rows.push({ name: "decreaseTake", gas: await gasOf(staking.connect(owner).decreaseTake(hotkey.address, 1_000)) });
  rows.push({ name: "increaseTake", gas: await gasOf(staking.connect(owner).increaseTake(hotkey.address, 1_500)) });

  // One epoch's payout: 256 miners (incentive only) and 64 validators (dividends into pools with
  // delegators), every hotkey with its own owner.
  const n = MINERS + VALIDATORS;
  const hotkeys: string[] = [];
  for (let i = 0; i < n; i++) {
    const hk = await signerAt(i);
    const ownerSigner = await signerAt(0x10000 + i);
    await (await staking.connect(hk).registerHotkey(await ownerSigner.getAddress())).wait();
    hotkeys.push(await hk.getAddress());
  }
  for (let v = MINERS; v < n; v++) await (await staking.connect(bob).delegate(hotkeys[v]!, E("10"), 0)).wait();
  const incentives = hotkeys.map((_, i) => (i < MINERS ? E("0.01") + BigInt(i) : 0n));
  const dividends = hotkeys.map((_, i) => (i < MINERS ? 0n : E("0.04") + BigInt(i)));
  const batch = async (name: string) => {
    const gas = await gasOf(staking.distributeBatch(hotkeys, incentives, dividends));
    rows.push({ name: `distributeBatch ${n} hotkeys (${name})`, gas });
    rows.push({ name: "  per hotkey", gas: gas / BigInt(n) });
  };
  await batch("owners never credited before: first epoch");
  await batch("owners' claimable > 0");
  for (let i = 0; i < n; i++) await (await staking.connect(await signerAt(0x10000 + i)).claim()).wait();
  await batch("every owner has just claimed");
  return rows;
}

/** Deployed bytecode sizes of the staking contracts, in bytes (limit 24,576). */
export async function bytecodeSizes(): Promise<{ name: string; bytes: number }[]> {
  const artifact = await hre.artifacts.readArtifact("Staking");
  return [{ name: "Staking", bytes: (artifact.deployedBytecode.length - 2) / 2 }];
}

if (require.main === module) {
  (async () => {
    for (const { name, gas } of await gasRows())
      console.log(`${name.padEnd(90)} ${gas.toLocaleString("en-US").padStart(12)}`);
    for (const { name, bytes } of await bytecodeSizes()) {
      console.log(
        `${(name + " deployed bytecode (bytes, limit 24,576)").padEnd(90)} ${bytes.toLocaleString("en-US").padStart(12)}`,
      );
    }
  })().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
