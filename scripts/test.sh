#!/usr/bin/env bash
# Set up everything, then run the linter and the whole test suite on the checkout (`make test-fast`).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRATCHGRAD_BROWSER=1 bash "$root/scripts/setup.sh"
cd "$root"
.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
