#!/usr/bin/env bash
# The three stress suites in a row (docs/benchmarks.md); extra args (e.g. --quick) go to each.
# Exit code: the first failing suite's.
set -euo pipefail
ma="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/scripts/multyagents"
for suite in race-stress stress-smoke restart-persistence; do
  "$ma" "$suite" "$@"
done
