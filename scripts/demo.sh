#!/usr/bin/env bash
# Set up everything, then run the demos (the main job).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
.venv/bin/python -m scratchgrad.demos "$@"
