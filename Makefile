# The two commands of the README's quick start.
.PHONY: demo test bench
demo:
	bash scripts/demo.sh
test:
	bash scripts/test.sh
bench:
	bash scripts/setup.sh && .venv/bin/pip install -q -e '.[bench]' && .venv/bin/python benchmarks/value_step.py
