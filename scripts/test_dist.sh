#!/usr/bin/env bash
# Tested as shipped: build the sdist and, from it, the wheel; then, in clean virtual environments
# outside the repository, run the whole suite (the sdist's own tests/) against the installed wheel:
#   installed  newest allowed versions; also mypy on tests/typing and the wheel's own tests (--wheel:
#              its RECORD, and installed beside HIPS autograd, then uninstalled)
#   lowest     the lowest versions the metadata allows (scripts/lowest_constraints.py)
# Usage: scripts/test_dist.sh [installed] [lowest]   (default: both). pip's cache is reused;
# SCRATCHGRAD_KEEP_DIST=1 keeps the temporary folder.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"
runs=("$@")
[ ${#runs[@]} -gt 0 ] || runs=(installed lowest)
mnist="$(cd "$root/.." && pwd)/shared/mnist"  # the suite's real MNIST, as for the checkout's run

SCRATCHGRAD_BROWSER=1 bash "$root/scripts/setup.sh"  # the dev venv has `build`; the suite needs chromium
work="$(mktemp -d "${TMPDIR:-/tmp}/scratchgrad-dist.XXXXXX")"
if [ -n "${SCRATCHGRAD_KEEP_DIST:-}" ]; then  # to look into a failure: the venvs, the sdist, the logs
    echo "test_dist: keeping $work" >&2
else
    trap 'rm -rf "$work"' EXIT
fi

step() { echo "test_dist: $*" >&2; }
quietly() {  # run "$@" with its output in a log, shown only if it fails
    local log="$work/$1.log"; shift
    "$@" >"$log" 2>&1 || { tail -30 "$log" >&2; step "failed: $*"; exit 1; }
}

step "building the sdist and the wheel"
quietly build "$root/.venv/bin/python" -m build --outdir "$work/dist" "$root"
wheel=("$work"/dist/*.whl)
sdist=("$work"/dist/*.tar.gz)
tar -xzf "${sdist[0]}" -C "$work"
src="$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'scratchgrad-*')"  # the unpacked sdist: its tests/ run
mkdir "$work/elsewhere"  # the working folder of every run: no scratchgrad/ or autograd/ to shadow the install

for run in "${runs[@]}"; do
    venv="$work/venv-$run"
    constraints=()
    case "$run" in
        installed) ;;
        lowest)
            "$python" "$root/scripts/lowest_constraints.py" "$root/pyproject.toml" test >"$work/lowest.txt"
            constraints=(-c "$work/lowest.txt")
            step "lowest versions: $(tr '\n' ' ' <"$work/lowest.txt")";;
        *) echo "test_dist: unknown run '$run' (installed or lowest)" >&2; exit 2;;
    esac
    step "$run: installing the wheel with its test extra into a clean venv"
    "$python" -m venv "$venv"
    quietly "pip-$run" "$venv/bin/python" -m pip install "${wheel[0]}[test]" "${constraints[@]}"
    step "$run: installed $("$venv/bin/python" -c 'import importlib.metadata as m, sys
print(" ".join(f"{n} {m.version(n)}" for n in sys.argv[1:]))' numpy graphviz tqdm matplotlib threadpoolctl pytest)"
    step "$run: mypy on tests/typing against the installed package"
    (cd "$work/elsewhere" && "$venv/bin/python" -m mypy --config-file "$src/pyproject.toml" "$src/tests/typing")
    wheel_tests=()
    [ "$run" = installed ] && wheel_tests=(--wheel "${wheel[0]}")
    step "$run: the whole suite from the sdist, against the installed wheel"
    (cd "$work/elsewhere" && SCRATCHGRAD_TEST_INSTALLED=1 SCRATCHGRAD_TEST_MNIST="$mnist" \
        "$venv/bin/python" -m pytest -p no:cacheprovider "$src/tests" "${wheel_tests[@]}")
done
