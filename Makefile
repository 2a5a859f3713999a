# The README's quick start: `make demo`, `make test` (what CI runs, via .ci/run).
.PHONY: demo test test-fast test-dist bench notebook
demo:
	bash scripts/demo.sh
# Everything CI checks: the fast suite, then the suite against the built wheel.
test: test-fast test-dist
# ruff and the whole suite on the checkout (editable install): the one to run while working.
test-fast:
	bash scripts/test.sh
# Build the sdist and the wheel; in clean venvs outside the repository, mypy and the whole suite against
# the installed wheel (beside HIPS autograd too), once with the newest and once with the lowest versions allowed.
test-dist:
	bash scripts/test_dist.sh
bench:
	bash scripts/setup.sh && .venv/bin/pip install -q -e '.[bench]' && .venv/bin/python benchmarks/value_step.py
# The chapter as notebooks (notebooks/en, notebooks/ko) in JupyterLab, from the project's venv.
notebook:
	bash scripts/notebook.sh
