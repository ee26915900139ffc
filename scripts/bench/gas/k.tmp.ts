import hre from "hardhat";
async function main() {
  const k = await hre.ethers.deployContract("ConsensusTestGasProbe");
  console.log(await k.lanes(20));
}
main().catch((e) => { console.error(e); process.exit(1); });
