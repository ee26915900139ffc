#!/usr/bin/env bash
# The whole test suite: contracts on the in-process Hardhat network (mocha), then the
# TypeScript packages and apps (jest). Installs and compiles what it needs first.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-installed.sh || exit 1
npx hardhat compile --quiet || exit 1

failed=0
summary=()
run() { # name, command...
  local name=$1; shift
  echo "==> $name"
  if "$@"; then summary+=("ok    $name"); else summary+=("FAIL  $name"); failed=$((failed + 1)); fi
}
run "contracts (hardhat test)" bash scripts/test-contracts.sh
run "packages and apps (jest)" npx jest --ci
echo "==> summary"
printf '  %s\n' "${summary[@]}"
exit $((failed > 0))
