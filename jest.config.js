/** Jest runs the TypeScript packages' and apps' tests (contracts use Hardhat's mocha). */
/** @type {import('jest').Config} */
module.exports = {
  // onnxruntime-node's binding may be initialised once per process and hands out typed arrays
  // of Node's main realm; this environment (jest-environment-node otherwise) handles both.
  testEnvironment: "<rootDir>/packages/inference/jest.onnx-environment.js",
  roots: ["<rootDir>/packages", "<rootDir>/apps"],
  testMatch: ["**/src/**/*.test.ts", "**/test/**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.jest.json" }],
  },
  testTimeout: 60_000,
};
