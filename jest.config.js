/** Jest runs the TypeScript packages' and apps' tests (contracts use Hardhat's mocha). */
const fs = require("node:fs");
const path = require("node:path");

/** `^@noosphere/<name>(/<subpath>)?$` -> the file its package.json `exports` names, for every workspace. */
function workspaceExports() {
  const mapper = {};
  for (const group of ["packages", "apps"]) {
    for (const dir of fs.readdirSync(path.join(__dirname, group))) {
      const file = path.join(__dirname, group, dir, "package.json");
      if (!fs.existsSync(file)) continue;
      const { name, exports = {} } = JSON.parse(fs.readFileSync(file, "utf8"));
      for (const [subpath, target] of Object.entries(exports)) {
        const entry = typeof target === "string" ? target : target.default;
        const specifier = subpath === "." ? name : `${name}/${subpath.slice(2)}`;
        mapper[`^${specifier.replace(/[/.]/g, "\\$&")}$`] = `<rootDir>/${group}/${dir}/${entry.slice(2)}`;
      }
    }
  }
  return mapper;
}

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
  // Workspace packages resolve to this checkout's sources through their `exports` (node_modules/@noosphere
  // may point at another checkout when worktrees share one node_modules).
  moduleNameMapper: workspaceExports(),
};
