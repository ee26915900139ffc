import hre from "hardhat";
async function main() {
  const k = await hre.ethers.deployContract("ConsensusTestKernels");
  let seed = 1;
  const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
  for (const n of [8, 16, 32, 48, 64]) {
    const vals = [...Array(n)].map(() => BigInt(Math.floor(rnd() * 1e15)) * 1000n);
    const st = [...Array(n)].map(() => BigInt(Math.floor(rnd() * 1e15)) * 10n);
    const tot = st.reduce((a, b) => a + b, 0n);
    console.log(n, await k.benchQuantile(vals, st, tot / 2n, 50), await k.benchQuantile(vals, st, 1n, 50));
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
