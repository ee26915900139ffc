import tseslint from "typescript-eslint";
import workspaceBoundaries from "./eslint/workspace-boundaries.mjs";

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "artifacts/**",
      "cache/**",
      "coverage/**",
      "packages/contracts/generated/**",
      "apps/explorer/dist/**",
      "**/*.js",
      "**/*.mjs",
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-require-imports": "off",
    },
  },
  // Every import of another workspace goes through its package name and its `exports`.
  {
    plugins: { workspaces: workspaceBoundaries },
    rules: {
      "workspaces/no-relative-cross-workspace": "error",
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["../**/packages/*", "../**/apps/*", "../**/scripts/*"],
              message: "Import another workspace by its package name (@noosphere/...) and its exports.",
            },
            {
              group: ["@noosphere/*/src", "@noosphere/*/src/**", "@noosphere/*/generated/**"],
              message: "Import what the package exports (see its package.json), not its files.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-unused-expressions": "off" },
  },
);
