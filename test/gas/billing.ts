/**
 * Gas of Billing's hot paths on the in-process Hardhat network (the default hardfork, EIP-7825 cap on).
 * Run: npx hardhat run test/gas/billing.ts
 */
import hre from "hardhat";
import { ZeroHash, type ContractTransactionResponse } from "ethers";
import { deployBilling, deployModelRegistry } from "@noosphere/deploy";
import { signVoucher, voucherDomain, type Voucher } from "@noosphere/protocol";
import { deployNoos } from "../shared/noos";

export interface GasRow {
  name: string;
  gas: bigint;
}

/** Goal from issue #4: a redemption (which includes its mint) at most this much gas. */
export const REDEEM_GAS_GOAL = 60_000n;

export async function gasRows(): Promise<GasRow[]> {
  const { ethers } = hre;
  const [admin, client, miner, gateway, modelOwner, treasury, gateway2] = await ethers.getSigners();
  if (!admin || !client || !miner || !gateway || !modelOwner || !treasury || !gateway2) {
    throw new Error("need 7 accounts");
  }
  const token = await deployNoos(admin);
  const models = await deployModelRegistry(admin);
  const billing = await deployBilling(admin, {
    token: await token.getAddress(),
    models: await models.getAddress(),
    treasury: treasury.address,
  });
  const billingAddress = await billing.getAddress();
  const domain = voucherDomain((await ethers.provider.getNetwork()).chainId, billingAddress);
  const rows: GasRow[] = [];
  const measure = async (name: string, tx: Promise<ContractTransactionResponse>) => {
    const receipt = await (await tx).wait();
    if (!receipt) throw new Error(`${name}: no receipt`);
    rows.push({ name, gas: receipt.gasUsed });
  };
  const model = ethers.sha256(ethers.toUtf8Bytes("bench-model.onnx"));
  await (await models.connect(modelOwner).register(model, "ipfs://bench", "Apache-2.0", 1_000)).wait();
  await (await token.mint(client.address, ethers.parseEther("1000"))).wait();
  await (await token.connect(client).approve(billingAddress, ethers.MaxUint256)).wait();
  await (await billing.connect(client).authorizeSigner(gateway.address)).wait();
  await (await billing.connect(client).authorizeSigner(gateway2.address)).wait();

  await measure("deposit (first)", billing.connect(client).deposit(ethers.parseEther("100")));
  await measure("deposit (top-up)", billing.connect(client).deposit(ethers.parseEther("100")));
  await measure(
    "allot (first, to one miner)",
    billing.connect(client).allot(client.address, miner.address, ethers.parseEther("60")),
  );
  await measure(
    "allot (top-up, by the gateway's key)",
    billing.connect(gateway).allot(client.address, miner.address, ethers.parseEther("10")),
  );
  const others = [1, 2, 3].map((i) => ethers.getAddress(`0x${String(i).padStart(40, "0")}`));
  await measure(
    "allotMany (3 new miners)",
    billing.connect(gateway).allotMany(
      client.address,
      others,
      others.map(() => ethers.parseEther("1")),
    ),
  );

  let cumulative = 0n;
  const voucher = (tier: number, m: string): Voucher => {
    cumulative += ethers.parseEther("0.003");
    return { client: client.address, miner: miner.address, netuid: 1, tier, model: m, cumulativeAmount: cumulative };
  };
  const redeem = async (name: string, v: Voucher, by = client) =>
    measure(name, billing.connect(miner).redeem(v, await signVoucher(by, domain, v)));

  await redeem("redeem (first: new voucher key, new credits)", voucher(0, model));
  await redeem("redeem (subsequent, client-signed, royalty)", voucher(0, model));
  await redeem("redeem (subsequent, gateway-signed, royalty)", voucher(0, model), gateway);
  await redeem("redeem (subsequent, client's 2nd signer, royalty)", voucher(0, model), gateway2);
  await redeem("redeem (subsequent, client-signed, no model)", voucher(0, ZeroHash));
  await redeem("redeem (subsequent, gateway-signed, no model)", voucher(0, ZeroHash), gateway);
  await measure("settle (burn pending)", billing.settle());
  await redeem("redeem (subsequent, after a settle)", voucher(0, model));
  const partial = voucher(0, model);
  cumulative += ethers.parseEther("0.003"); // the voucher covered one more request, which failed
  const covering = { ...partial, cumulativeAmount: cumulative };
  await measure(
    "redeemUpTo (subsequent: what answered work earned, below the voucher)",
    billing.connect(miner).redeemUpTo(covering, await signVoucher(client, domain, covering), partial.cumulativeAmount),
  );
  await measure(
    "claimEarnings (1 key: settle + mint)",
    billing.connect(miner).claimEarnings([{ client: client.address, netuid: 1, tier: 0 }], miner.address),
  );
  await measure(
    "claimRoyalties (1 model: mint)",
    billing.connect(modelOwner).claimRoyalties([model], modelOwner.address),
  );
  await measure("claimTreasury (mint)", billing.claimTreasury());
  const v = voucher(0, model);
  await measure(
    "redeemAndClaim (redeem + burn + mint)",
    billing.connect(miner).redeemAndClaim(v, await signVoucher(client, domain, v)),
  );
  await measure(
    "startUnallot",
    billing.connect(client).startUnallot(client.address, others[0]!, ethers.parseEther("1")),
  );
  await measure("startWithdraw", billing.connect(client).startWithdraw(ethers.parseEther("50")));
  await hre.network.provider.send("evm_increaseTime", [Number(await billing.thawPeriod())]);
  await measure("withdraw", billing.connect(client).withdraw());
  await measure("unallot", billing.connect(client).unallot(client.address, others[0]!));
  return rows;
}

/** Deployed bytecode size of each contract this bench touches (limit 24,576 bytes). */
export async function bytecodeSizes(): Promise<{ name: string; bytes: number }[]> {
  const names = ["Billing", "ModelRegistry", "NoosGovernor", "TimelockController"];
  return Promise.all(
    names.map(async (name) => {
      const artifact = await hre.artifacts.readArtifact(name);
      return { name, bytes: (artifact.deployedBytecode.length - 2) / 2 };
    }),
  );
}

if (require.main === module) {
  (async () => {
    const rows = await gasRows();
    const width = Math.max(...rows.map((r) => r.name.length));
    for (const r of rows) {
      const flag = r.name.startsWith("redeem (sub") && r.gas > REDEEM_GAS_GOAL ? "  (> goal)" : "";
      console.log(`${r.name.padEnd(width)}  ${r.gas.toString().padStart(8)}${flag}`);
    }
    console.log(`redeem goal: <= ${REDEEM_GAS_GOAL}`);
    for (const s of await bytecodeSizes()) console.log(`bytecode ${s.name.padEnd(14)} ${s.bytes} / 24576 bytes`);
  })().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
