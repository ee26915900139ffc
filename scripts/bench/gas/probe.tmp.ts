import hre from "hardhat";
import { deployWorld, createSubnet, setStakes } from "../../../test/consensus/world";

async function main() {
  const V = Number(process.env.V ?? 64), M = Number(process.env.M ?? 192);
  const n = V + M;
  const w = await deployWorld();
  const hot = await createSubnet(w, { netuid: 1, neurons: n, tempo: 10 });
  const ONE = 10n ** 18n;
  await setStakes(w, hot, hot.map((_, i) => (i < V ? (1000n + BigInt(i)) * ONE : 0n)));
  await w.consensus.testSetPermits(1, (1n << BigInt(V)) - 1n);
  let seed = 12345;
  const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
  const bn = await hre.ethers.provider.getBlockNumber();
  for (let k = 0; k < V; k++) {
    const row = [...Array(n).keys()].map((j) => (j < V ? 0 : 1 + Math.floor(rnd() * 65534)));
    const reg = await w.subnets.registeredAt(1, k);
    await (await w.consensus.testSetRow(1, k, row, bn + 5, reg)).wait();
  }
  for (let e = 0; e < 3; e++) {
    await w.emission.addAccrued(1, 1000n * ONE);
    await hre.network.provider.send("hardhat_mine", ["0x20"]);
    let total = 0n, max = 0n, txs = 0;
    for (;;) {
      const tx = await w.consensus.runEpoch(1, { gasLimit: 16_000_000 });
      const r = await tx.wait();
      const g = r!.gasUsed; total += g; if (g > max) max = g; txs++;
      const steps = r!.logs.map((l) => { try { return w.consensus.interface.parseLog(l); } catch { return null; } }).filter((x) => x && x.name === "EpochStep").map((x) => `${x!.args.stage}:${x!.args.cursor}`);
      console.log(`  tx gas ${g} steps ${steps.join(",")}`);
      const gi = new hre.ethers.Interface(["event Gas(string label, uint256 g)"]);
      let prev = 0n;
      for (const l of r!.logs) { try { const p = gi.parseLog(l); if (p) { const gg = p.args.g as bigint; const lab = p.args.label as string; if (lab.endsWith("200")) console.log("    ", lab, gg); else { console.log("    ", lab, gg, prev ? prev - gg : 0n); prev = gg; } } } catch {} }
      const st = await w.consensus.epochStatus(1);
      if (st.stage === 0n) break;
    }
    console.log(`epoch ${e}: V=${V} n=${n} total ${total} max ${max} txs ${txs}`);
    const inc = await w.consensus.incentives(1); const cons = await w.consensus.consensus(1);
    const vals = await w.consensus.validators(1); const em = await w.consensus.emissions(1);
    console.log("  sum inc", inc.reduce((a, b) => a + b, 0n), "nonzero cons", cons.filter((x) => x > 0n).length, "sum div", vals[2].reduce((a, b) => a + b, 0n), "active", vals[3].filter(Boolean).length, "paid", em[0].reduce((a,b)=>a+b,0n), em[1].reduce((a,b)=>a+b,0n), "carried", await w.consensus.carried(1));
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
