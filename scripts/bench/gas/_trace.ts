import hre from "hardhat";
import { deployBilling } from "../../deploy/billing";
import { deployModelRegistry } from "../../deploy/models";
import { signVoucher, voucherDomain } from "../../lib/voucher";
import { deployNoos } from "../../../test/shared/noos";
async function main() {
  const { ethers } = hre;
  const [admin, client, miner, gateway, modelOwner, treasury] = await ethers.getSigners();
  const token = await deployNoos(admin!);
  const models = await deployModelRegistry(admin!);
  const billing = await deployBilling(admin!, { token: await token.getAddress(), models: await models.getAddress(), treasury: treasury!.address });
  const domain = voucherDomain(31337, await billing.getAddress());
  const model = ethers.sha256(ethers.toUtf8Bytes("m"));
  await models.connect(modelOwner!).register(model, "u", "l", 1000);
  await token.mint(client!.address, ethers.parseEther("1000"));
  await token.connect(client!).approve(await billing.getAddress(), ethers.MaxUint256);
  await billing.connect(client!).deposit(ethers.parseEther("100"));
  await billing.connect(client!).authorizeSigner(gateway!.address);
  let c = 0n;
  for (let i = 0; i < 2; i++) {
    c += 10n ** 15n;
    const v = { client: client!.address, miner: miner!.address, netuid: 1, tier: 0, model, cumulativeAmount: c };
    const tx = await billing.connect(miner!).redeem(v, await signVoucher(gateway!, domain, v));
    const r = await tx.wait();
    if (i === 0) continue;
    const trace = await hre.network.provider.send("debug_traceTransaction", [tx.hash, { disableStack: true, disableMemory: true, disableStorage: true }]);
    const by: Record<string, [number, number]> = {};
    let total = 0;
    for (const s of trace.structLogs) { if (s.op === "STATICCALL") continue; const e = (by[s.op] ??= [0, 0]); e[0] += s.gasCost; e[1]++; total += s.gasCost; }
    const tx0 = await ethers.provider.getTransaction(tx.hash);
    const data = ethers.getBytes(tx0!.data);
    const cd = data.reduce((a, b) => a + (b === 0 ? 4 : 16), 0);
    console.log("gasUsed", r!.gasUsed, "calldata", cd, "bytes", data.length, "exec(no staticcall)", total, "steps", trace.structLogs.length);
    console.log(Object.entries(by).sort((a, b) => b[1][0] - a[1][0]).map(([k, v]) => `${k}:${v[0]}/${v[1]}`).join(" "));
  }
}
main();
