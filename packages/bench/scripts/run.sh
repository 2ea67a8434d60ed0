#!/usr/bin/env bash
# Benchmarks (docs/benchmarks.md): `packages/bench/scripts/run.sh --quick`, `... --peer graphile-worker --json out.json`.
set -euo pipefail
exec "$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/scripts/multyagents" bench "$@"
