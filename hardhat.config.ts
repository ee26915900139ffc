import path from "node:path";
import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import "@nomicfoundation/hardhat-toolbox";

const SOLC_VERSION = "0.8.28";

// Hardhat downloads compilers from the internet; this machine has none, so compile with the
// npm `solc` package (pinned to SOLC_VERSION in package.json) as a solcjs build.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  const solcPackage = path.dirname(require.resolve("solc/package.json"));
  return {
    compilerPath: path.join(solcPackage, "soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: require("solc/package.json").version,
  };
});

const rpcUrl = process.env.NOOS_RPC_URL;
const deployerKey = process.env.NOOS_DEPLOYER_KEY;

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      viaIR: false,
      evmVersion: "cancun",
    },
  },
  networks: {
    // The default hardfork is kept on purpose: it enforces the 2^24 gas cap per transaction.
    hardhat: {},
    localhost: { url: "http://127.0.0.1:8545" },
    ...(rpcUrl ? { rpc: { url: rpcUrl, accounts: deployerKey ? [deployerKey] : [] } } : {}),
  },
  typechain: {
    outDir: "packages/contracts/generated/typechain",
    target: "ethers-v6",
  },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "1",
  },
  mocha: {
    timeout: 120_000,
  },
};

export default config;
