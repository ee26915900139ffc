import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deployStaking, deployToken, deploySubnetRegistry, subnetParams } from "@noosphere/deploy";

const E18 = 10n ** 18n;
const FULL = 256;

/** A signer for a keyless `address` (impersonated), with 1 ETH of gas money. */
async function impersonated(address: string): Promise<HardhatEthersSigner> {
  await hre.network.provider.send("hardhat_setBalance", [address, "0xde0b6b3a7640000"]);
  return hre.ethers.getImpersonatedSigner(address);
}

/**
 * Gas of the subnet registry's transactions on the in-process Hardhat network, against the real
 * NOOS token and the real Staking: the token's burnFrom and Staking's ownerOf/stakeOf cost what
 * they cost in a deployment. Hotkeys register with Staking themselves (impersonated) and a staker
 * delegates their stakes.
 */
export async function gasRows(): Promise<{ name: string; gas: bigint }[]> {
  const { ethers } = hre;
  const [admin, creator, coldkey, miner, staker] = await ethers.getSigners();
  if (!admin || !creator || !coldkey || !miner || !staker) throw new Error("not enough signers");
  const token = await deployToken(admin, { admin: admin.address });
  await (await token.grantRole(await token.MINTER_ROLE(), admin.address)).wait();
  const staking = await deployStaking(admin, {
    token: await token.getAddress(),
    admin: admin.address,
  });
  const registry = await deploySubnetRegistry(admin, {
    token: await token.getAddress(),
    staking: await staking.getAddress(),
    admin: admin.address,
    lockCost: 100n * E18,
  });
  const registryAddress = await registry.getAddress();
  for (const s of [creator, coldkey, miner]) {
    await (await token.mint(s.address, 10n ** 6n * E18)).wait();
    await (await token.connect(s).approve(registryAddress, ethers.MaxUint256)).wait();
  }
  await (await token.mint(staker.address, 10n ** 6n * E18)).wait();
  await (await token.connect(staker).approve(await staking.getAddress(), ethers.MaxUint256)).wait();
  await (await registry.grantRole(await registry.EPOCH_ROLE(), admin.address)).wait();
  const rows: { name: string; gas: bigint }[] = [];
  const gasOf = async (name: string, tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>) => {
    const receipt = await (await tx).wait();
    rows.push({ name, gas: receipt!.gasUsed });
  };

  const params = subnetParams({
    taskId: "text-generation",
    immunityPeriod: 10,
    minBurn: E18,
    burnHalfLife: 1,
  });
  await gasOf("createSubnet (locks the lock cost)", registry.connect(creator).createSubnet(params));
  const netuid = 1;

  const hotkeys = Array.from({ length: FULL + 1 }, () => ethers.Wallet.createRandom().address);
  for (const key of hotkeys) {
    const signer = await impersonated(key);
    await (await staking.connect(signer).registerHotkey(coldkey.address)).wait();
  }

  // UID 0: a hotkey registering itself on the empty subnet, then serving its axon
  await gasOf("register (empty subnet, burns the price)", registry.connect(miner).register(netuid, miner.address, E18));
  await gasOf(
    "serveAxon (first endpoint)",
    registry.connect(miner).serveAxon(netuid, "miner-0.noosphere.example", 8091, "https", ethers.id("model")),
  );
  await gasOf(
    "serveAxon (update)",
    registry.connect(miner).serveAxon(netuid, "miner-0.noosphere.example", 8092, "https", ethers.id("model")),
  );
  await gasOf(
    "register (UID 1, hotkey registered by its owner)",
    registry.connect(coldkey).register(netuid, hotkeys[0]!, 2n * E18),
  );
  for (const key of hotkeys.slice(1, FULL - 1)) {
    await (await registry.connect(coldkey).register(netuid, key, 2n * E18)).wait();
  }
  await hre.network.provider.send("hardhat_mine", ["0x10"]);

  // every UID has emission; UID 0 (with an axon) the lowest, so pruning clears an axon too
  const uids = Array.from({ length: FULL }, (_, i) => i);
  await gasOf(
    `recordEmission (${FULL} UIDs)`,
    registry.recordEmission(
      netuid,
      uids,
      uids.map((i) => BigInt(i + 1) * E18),
    ),
  );
  await gasOf(
    `register (full ${FULL}-UID subnet, prunes a UID with an axon)`,
    registry.connect(coldkey).register(netuid, hotkeys[FULL]!, 2n * E18),
  );

  // stakes 0..999 NOOS, delegated by `staker` (each pool's stakeOf is exactly what was delegated)
  const [keys] = await registry.neurons(netuid);
  for (const [i, key] of keys.entries()) {
    const stake = BigInt((i * 7919) % 1000) * E18;
    if (stake !== 0n) await (await staking.connect(staker).delegate(key, stake, 0n)).wait();
  }
  rows.push({
    name: `validatorPermits (${FULL} UIDs, 64 permits; eth_estimateGas of a call)`,
    gas: await registry.validatorPermits.estimateGas(netuid),
  });
  await (await registry.connect(creator).createSubnet(subnetParams({ taskId: "ocr" }))).wait();
  // the staker undelegates everything: every pool back to zero stake
  for (const key of keys) {
    const shares = await staking.sharesOf(key, staker.address);
    if (shares !== 0n) await (await staking.connect(staker).undelegate(key, shares, 0n)).wait();
  }
  for (const key of keys) {
    if ((await staking.stakeOf(key)) !== 0n) throw new Error(`hotkey ${key} kept stake after undelegating`);
  }
  rows.push({
    name: `validatorPermits (${FULL} UIDs, all tied at zero stake)`,
    gas: await registry.validatorPermits.estimateGas(netuid),
  });
  rows.push({
    name: `neurons (${FULL} UIDs; eth_estimateGas of a call)`,
    gas: await registry.neurons.estimateGas(netuid),
  });
  return rows;
}

/** Deployed bytecode sizes of the subnet contracts, in bytes (the limit is 24,576). */
export async function bytecodeSizes(): Promise<{ name: string; bytes: number }[]> {
  const artifact = await hre.artifacts.readArtifact("SubnetRegistry");
  return [
    {
      name: "SubnetRegistry",
      bytes: (artifact.deployedBytecode.length - 2) / 2,
    },
  ];
}

if (require.main === module) {
  (async () => {
    for (const { name, gas } of await gasRows()) console.log(`${gas.toString().padStart(10)}  ${name}`);
    for (const { name, bytes } of await bytecodeSizes()) {
      console.log(`${bytes.toString().padStart(10)}  bytes: ${name} (limit 24,576)`);
    }
  })().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
