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
    // light-my-request (Fastify's inject) requires cookie@2, which ships only ES modules: Node 20
    // loads it, Jest's module system needs it as CommonJS.
    "/cookie/dist/index\\.js$": ["ts-jest", { tsconfig: { allowJs: true, module: "commonjs", isolatedModules: true } }],
  },
  transformIgnorePatterns: ["/node_modules/(?!(light-my-request/node_modules/)?cookie/dist/)"],
  testTimeout: 60_000,
  // Workspace packages resolve to this checkout's sources (node_modules/@noosphere may point at
  // another checkout when worktrees share one node_modules).
  moduleNameMapper: {
    "^@noosphere/(contracts|protocol|node-kit|inference|yuma)$": "<rootDir>/packages/$1/src/index.ts",
    "^@noosphere/(miner|gateway|validator|cli|explorer)$": "<rootDir>/apps/$1/src/index.ts",
  },
};
