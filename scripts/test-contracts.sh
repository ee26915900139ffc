#!/usr/bin/env bash
# The contract suite on the in-process Hardhat network, in a few mocha processes instead of one.
# EDR keeps every mined transaction's step trace (about 85 bytes per gas unit) for as long as
# its block lives, so the full-subnet consensus files (many 14M-gas transactions each) would
# pile up to ~17 GB in one process; apart, no process needs more than ~7 GB.
# Usage: scripts/test-contracts.sh (after `hardhat compile`).
set -uo pipefail
cd "$(dirname "$0")/.."

own_process=(test/consensus/chunks.test.ts test/consensus/differential-full.test.ts test/consensus/differential.test.ts)
mapfile -t rest < <(find test -name '*.test.ts' | sort | grep -vxF -f <(printf '%s\n' "${own_process[@]}"))

failed=0
npx hardhat test --no-compile "${rest[@]}" || failed=1
for file in "${own_process[@]}"; do
  npx hardhat test --no-compile "$file" || failed=1
done
exit $failed
