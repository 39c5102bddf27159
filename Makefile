# The two commands a new user runs: `make demo` and `make test`. Both install what is missing.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(HOME)/.local/bin:$(PATH)
export PREFECT_SERVER_ANALYTICS_ENABLED := false
# uv on PATH, or the copy scripts/ensure-tools.sh installed into this Python.
UV = $(shell command -v uv 2>/dev/null || echo python3 -m uv)
CORPORA ?= ../shared/corpora

.PHONY: setup demo test lint typecheck pytest conformance

setup:
	scripts/ensure-tools.sh
	$(UV) sync --locked --quiet

demo: setup
	$(UV) run slate demo

lint: setup
	$(UV) run ruff check .
	$(UV) run ruff format --check .

typecheck: setup
	$(UV) run mypy

pytest: setup
	SLATE_TEST_POSTGRES_URL="$$(scripts/ensure-postgres.sh)" SLATE_REQUIRE_POSTGRES=1 $(UV) run pytest -q

test: lint typecheck pytest

# Public conformance corpora, read in place (never copied into the project).
conformance: setup
	SLATE_CORPORA_DIR="$${SLATE_CORPORA_DIR:-$(CORPORA)}" $(UV) run python -m conformance.run
