import hre from "hardhat";
import { deployStack } from "../../../test/consensus/fixtures";
async function main() {
  // reuse the bench's measure() with a logging harness wrapper
  const mod = await import("./consensus");
  const s = await deployStack();
  const orig = s.harness.runEpoch.bind(s.harness);
  (s.harness as any).runEpoch = async (netuid: number, o: any) => {
    const tx = await orig(netuid, o);
    const r = await tx.wait();
    const steps = r!.logs.map((l) => { try { return s.harness.interface.parseLog(l); } catch { return null; } }).filter((x) => x && x.name === "EpochStep").map((x) => `${x!.args.stage}:${x!.args.cursor}`);
    console.log(`   tx ${r!.gasUsed} steps ${steps.join(",")}`);
    if (process.env.TRACE && steps.join(",") === process.env.TRACE) {
      const t: any = await hre.network.provider.send("debug_traceTransaction", [tx.hash, { disableStorage: true, disableMemory: true, disableStack: true }]);
      const byOp: Record<string, [number, number]> = {};
      for (const st of t.structLogs) { const e = byOp[st.op] ?? [0, 0]; e[0] += st.gasCost; e[1]++; byOp[st.op] = e; }
      for (const [op, [g, c]] of Object.entries(byOp).sort((a, b) => b[1][0] - a[1][0]).slice(0, 12)) console.log("     ", op.padEnd(14), g, c);
    }
    return { wait: async () => r } as any;
  };
  const V = Number(process.env.V ?? 64), N = Number(process.env.N ?? 256);
  const m: any = (mod as any);
  const res = await m.measureOne(s, V, N);
  console.log(res);
}
main().catch((e) => { console.error(e); process.exit(1); });
