import path from "node:path";

/**
 * The repository the devnet runs from: a Hardhat node needs its hardhat.config.ts and artifacts, and
 * the services run as `node apps/cli/bin/noos.js` from there (the devnet runs from a clone).
 */
export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
