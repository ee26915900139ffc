#!/usr/bin/env bash
# `npm run devnet [-- flags]`: the whole network on this machine (see apps/devnet/src/main.ts and
# `npm run devnet -- --help`). On a fresh clone it installs and compiles first, with progress;
# afterwards those steps are skipped unless something changed.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-installed.sh

# Contracts: compile when never compiled or a source is newer than the last compile; all of them
# if the typechain bindings are gone (an up-to-date compile would not write them again).
cache=cache/solidity-files-cache.json
if [ ! -f "$cache" ] || [ -n "$(find contracts hardhat.config.ts -newer "$cache" -print -quit)" ]; then
  echo "==> compiling contracts (first run: a minute or two)"
  npx hardhat compile --quiet
elif [ ! -f packages/contracts/generated/typechain/index.ts ]; then
  echo "==> compiling contracts (typechain bindings missing)"
  npx hardhat compile --quiet --force
fi

# Explorer page: build when the bundle is missing or older than its sources.
page=apps/explorer/dist/index.html
if [ ! -f "$page" ] ||
  [ -n "$(find apps/explorer/src/web apps/explorer/src/shared apps/explorer/index.html apps/explorer/vite.config.ts -newer "$page" -print -quit)" ]; then
  echo "==> building the explorer page"
  (cd apps/explorer && npx vite build --logLevel warn)
fi

# The orchestrator runs in this process (exec): Ctrl-C reaches it, and it stops its children.
exec node --require tsx/cjs apps/devnet/src/main.ts "$@"
