#!/usr/bin/env bash
# `npm run bench`: every benchmark, each printing its figures and ratios measured side by side
# in one run. Speed targets are checked here, never in unit tests.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-installed.sh || exit 1
npx hardhat compile --quiet || exit 1

failed=0
bench() { # title, command...
  local title=$1; shift
  printf '\n==================== %s ====================\n' "$title"
  "$@" || { echo "!! $title failed"; failed=1; }
}
bench "gas" npx hardhat run test/gas/report.ts
for f in packages/*/bench/*.bench.ts apps/*/bench/*.bench.ts; do
  [ -f "$f" ] && bench "$f" npx tsx "$f"
done
exit $failed
