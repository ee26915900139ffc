/** Jest runs the TypeScript packages' and apps' tests (contracts use Hardhat's mocha). */
/** @type {import('jest').Config} */
module.exports = {
  // onnxruntime-node's binding may be initialised once per process and hands out typed arrays
  // of Node's main realm; this environment (jest-environment-node otherwise) handles both.
  testEnvironment: "<rootDir>/packages/inference/src/text-generation/testing/ort-environment.ts",
  roots: ["<rootDir>/packages", "<rootDir>/apps"],
  testMatch: ["**/src/**/*.test.ts", "**/test/**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.jest.json" }],
  },
  testTimeout: 60_000,
  // Workspace packages resolve to this checkout's sources (node_modules/@noosphere may point at
  // another checkout when worktrees share one node_modules).
  moduleNameMapper: {
    "^@noosphere/(contracts|protocol|node-kit|inference|yuma)$": "<rootDir>/packages/$1/src/index.ts",
    "^@noosphere/(miner|gateway|validator|cli|explorer)$": "<rootDir>/apps/$1/src/index.ts",
  },
};
