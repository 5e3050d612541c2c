# The README's two commands: `make preview` and `make test`. Both build the virtual
# environment from nothing (Python 3.10+ is all a machine needs).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: preview test lint typecheck unit bench clean venv

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml policies/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' -r policies/requirements.txt
	touch $(STAMP)

preview: $(STAMP)
	$(BIN)/rootguard plan . --stack dev

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

# Figures, not tests: each script prints what it measured (docs/figures.md).
bench: $(STAMP)
	$(BIN)/python benchmarks/plan_scale.py
	$(BIN)/python benchmarks/gate_scale.py
	$(BIN)/python benchmarks/rule_calls.py
	$(BIN)/python benchmarks/audit_scale.py
	$(BIN)/python benchmarks/stackset_scale.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
