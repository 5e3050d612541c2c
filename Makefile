# The README's two commands: `make preview` and `make test`. Both build the virtual
# environment from nothing (Python 3.10+ is all a machine needs).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: preview test lint typecheck unit bench clean venv browser pulumi-cli test-engine

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

# Two workers (pytest-xdist): CI's machines have 2 cores, and the suite was checked to pass
# with two. Run `.venv/bin/pytest -q` for one process.
unit: $(STAMP)
	$(BIN)/pytest -q -n 2

# The real Pulumi engine (docs/engine-tests.md): the CLI and language hosts built from the Go
# module proxy into .tools/pulumi/bin (or a recent `pulumi` on PATH), then the engine suite.
pulumi-cli:
	bash .ci/pulumi-cli.sh

test-engine: $(STAMP) pulumi-cli
	$(BIN)/pytest -q -m engine tests/engine

# The HTML report's browser test needs Debian's Chromium (Playwright drives it; no
# browser download). CI calls this before `make test`; it changes nothing when present.
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }

# Figures, not tests: each script prints what it measured (docs/figures.md).
bench: $(STAMP)
	$(BIN)/python benchmarks/plan_scale.py
	$(BIN)/python benchmarks/gate_scale.py
	$(BIN)/python benchmarks/rule_calls.py
	$(BIN)/python benchmarks/audit_scale.py
	$(BIN)/python benchmarks/stackset_scale.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
