#!/usr/bin/env bash
# Set up, install JupyterLab (the `notebooks` extra) into .venv and open notebooks/ in it (`make notebook`).
# Extra arguments go to `jupyter lab` (e.g. --no-browser --port 8890).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
stamp="$root/.venv/.notebooks-installed"
if [ ! -f "$stamp" ] || [ "$root/pyproject.toml" -nt "$stamp" ]; then
    echo "notebook: installing JupyterLab into .venv" >&2
    "$root/.venv/bin/python" -m pip install -q -e "$root[notebooks]"
    touch "$stamp"
fi
as_root=()
[ "$(id -u)" = 0 ] && as_root=(--allow-root)  # e.g. in a container: Jupyter refuses root without it
exec "$root/.venv/bin/jupyter" lab "${as_root[@]}" "$@" "$root/notebooks"
