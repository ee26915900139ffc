#!/usr/bin/env bash
# Installs dependencies when node_modules is missing or was installed from another lockfile, so
# that `npm test` and `npm run devnet` work on a fresh clone with nothing done by hand. The stamp
# keeps the lockfile's sha256 (not its time: a checkout or merge that leaves the lockfile's content
# as it was must not reinstall).
set -euo pipefail
cd "$(dirname "$0")/.."
# Worktrees that share another checkout's node_modules set this: installing is that checkout's job.
[ "${NOOS_SKIP_INSTALL:-}" = 1 ] && [ -d node_modules ] && exit 0
export ONNXRUNTIME_NODE_INSTALL=skip # its postinstall downloads CUDA libraries; the CPU build is bundled
stamp=node_modules/.noos-installed
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> npm ci (first run on this checkout, or the lockfile changed)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
