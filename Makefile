# huimin: `make demo` sets everything up and runs the main job on the bundled sample district;
# `make test` runs the tests. Both create .venv with uv first if it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(PYTHON) -m uv
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-fast lint format docs sample bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) venv --quiet --allow-existing --python 3.11 $(VENV)
	$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python -e ".[dev]"
	$(BIN)/python -m compileall -q huimin
	@touch $(STAMP)

demo: setup
	$(BIN)/huimin run --input data/sample --output out/sample

test: setup
	$(BIN)/pytest -n 2 --dist loadgroup

test-fast: setup
	$(BIN)/pytest -n 2 --dist loadgroup -m "not slow"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

docs: setup
	$(BIN)/huimin contract docs

sample: setup
	rm -rf data/sample
	$(BIN)/huimin synth --output data/sample --scale sample --seed 2023

bench: setup
	$(BIN)/python benchmarks/compare.py --scale district
	$(BIN)/python benchmarks/catalogue_compare.py --scale district --append
	$(BIN)/python benchmarks/reports_bench.py
	$(BIN)/python benchmarks/catalogue_bench.py --append

clean:
	rm -rf out benchmarks/work .pytest_cache .mypy_cache .ruff_cache
