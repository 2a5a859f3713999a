#!/usr/bin/env bash
# Set up (or reuse) the project's virtual environment and the Graphviz `dot` binary.
# Run by scripts/demo.sh, scripts/test.sh and `make bench`; safe to run again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
python="${PYTHON:-python3}"

need_apt=()
command -v dot >/dev/null 2>&1 || need_apt+=(graphviz)
# grep reads all of fc-list's output: with -q it would stop early, fc-list would die of SIGPIPE
# and pipefail would report the font missing.
fc-list 2>/dev/null | grep -i nanum >/dev/null || need_apt+=(fonts-nanum)
if [ "${SCRATCHGRAD_BROWSER:-0}" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
    need_apt+=(chromium)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing ${need_apt[*]} with apt-get" >&2
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
    elif ! command -v dot >/dev/null 2>&1; then
        echo "setup: the Graphviz 'dot' program is missing." >&2
        echo "       Install it, e.g. 'sudo apt-get install graphviz' (Debian/Ubuntu)," >&2
        echo "       'brew install graphviz' (macOS) or 'conda install graphviz', then rerun." >&2
        exit 1
    else
        echo "setup: optional packages missing (${need_apt[*]}); continuing without them" >&2
    fi
fi

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
stamp="$venv/.installed"
if [ ! -f "$stamp" ] || [ "$root/pyproject.toml" -nt "$stamp" ]; then
    log="$venv/install.log"
    echo "setup: installing scratchgrad and its dev tools into .venv (log: .venv/install.log)" >&2
    if ! "$venv/bin/python" -m pip install -e "$root[dev]" >"$log" 2>&1; then
        tail -20 "$log" >&2
        echo "setup: pip install failed; see $log" >&2
        exit 1
    fi
    touch "$stamp"
fi
# Verified copies of ../shared/mnist go into the download cache: the demos then find MNIST offline without --data-dir.
if [ -d "$root/../shared/mnist" ]; then "$venv/bin/python" -m scratchgrad.nn.data --register "$root/../shared/mnist" || echo "setup: MNIST in ../shared/mnist not registered (see above); continuing" >&2; fi
