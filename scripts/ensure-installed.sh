#!/usr/bin/env bash
# Installs dependencies when node_modules is missing or older than the lockfile, so that
# `npm test` and `npm run devnet` work on a fresh clone with nothing done by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
export ONNXRUNTIME_NODE_INSTALL=skip # its postinstall downloads CUDA libraries; the CPU build is bundled
# A symlinked node_modules is another checkout's install (git worktrees): never reinstall it from here.
[ -L node_modules ] && exit 0
stamp=node_modules/.noos-installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "==> npm ci (first run on this checkout)"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
