# tagpilot developer tasks. `make check` is the quality gate; CI runs it piece by piece
# through .ci/run. Everything runs from the virtualenv in $(VENV) (`make install` creates it).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV ?= .venv
PY = $(VENV)/bin/python
BIN = $(VENV)/bin
VENV313 ?= .venv313
# Two workers: the suite is xdist-safe (local services bind free ports) and mostly waits on them;
# measured on 2 cores: ~1 min with two workers, 1.6 min serial, slower with four (more service
# JVMs). XDIST= runs serially.
XDIST ?= -n 2
PYTEST_ARGS ?=
# The stack tier (`make test-stack`) runs at the end of `make test` (STACK=0 leaves it out). It
# runs every function on Python 3.13 already, so `make test-py313` does not run it again.
STACK ?= 1
BENCHES := scan policy automation latency pushed notify oci cost keyless

# SAM needs a region even offline; use the caller's if set. No telemetry calls from builds.
SAM_ENV = AWS_DEFAULT_REGION="$${AWS_DEFAULT_REGION:-us-east-1}" SAM_CLI_TELEMETRY=0
# Only the typed sources; tests, benches and scripts are checked by ruff.
TYPED := layers/tagpilot/tagpilot functions

.PHONY: help install venv setup system-deps fmt lint typecheck validate build test test-unit \
	test-functional test-integration test-stack test-py313 check bench $(addprefix bench-,$(BENCHES)) \
	demo clean

help:
	@echo "make install          (re)install $(VENV): tagpilot with its pinned dev tools"
	@echo "make setup            what demo and test need, installed only when missing"
	@echo "make system-deps      Debian packages and DynamoDB Local for the integration tests"
	@echo "make check            the quality gate: lint, typecheck, validate, test"
	@echo "make fmt              format and auto-fix"
	@echo "make build            sam build (no Docker needed)"
	@echo "make test             set up, then all tests; test-unit, test-functional, test-integration per tier; test-stack"
	@echo "make test-py313       the tests again on Python 3.13 (the Lambda runtime), if installed"
	@echo "make bench            all benchmarks; or $(addprefix bench-,$(BENCHES))"
	@echo "make demo             set up, then run the local end-to-end demo"

$(PY):
	python3 -m venv $(VENV)

# The venv is (re)installed when it is missing or a requirements file or pyproject.toml changed
# since the last install (the stamp); otherwise nothing runs, so `make demo` and `make test` can
# depend on it and stay the README's whole set-up.
STAMP = $(VENV)/.tagpilot-installed
$(STAMP): requirements-dev.txt layers/tagpilot/requirements.txt pyproject.toml | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	$(PY) -m pip install --disable-pip-version-check -q --no-deps -e .
	touch $@

install:
	rm -f $(STAMP)
	$(MAKE) --no-print-directory $(STAMP)

venv: $(STAMP)

# Idempotent: checks what is installed and needs no network (nor root) when nothing is missing.
system-deps:
	scripts/install-system-deps.sh

# What `make demo` and `make test` need on a fresh machine, installed only when missing.
setup: system-deps venv

fmt:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# lint-imports: the import-linter contracts in pyproject.toml (layers import downward only).
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Every function has an app.py: explicit package bases make them functions.<name>.app instead of
# colliding as "app"; MYPYPATH keeps the domain package named tagpilot.* (its strict overrides).
typecheck: venv
	MYPYPATH=layers/tagpilot $(BIN)/mypy --explicit-package-bases $(TYPED)

validate:
	$(SAM_ENV) $(BIN)/sam validate --lint

# The layer's Makefile runs `pip3`: the venv's, through PATH.
build:
	PATH="$(abspath $(BIN)):$$PATH" $(SAM_ENV) $(BIN)/sam build

# pytest exits 5 when it collected nothing: that must fail too, and it does (any non-zero).
# The whole suite also measures line coverage and checks the per-package floors in pyproject.toml.
# The stack tier runs on its own (one stack, one process per function), after the others.
test: setup
	$(PY) -m pytest $(XDIST) -m "not stack" --cov --cov-report= $(PYTEST_ARGS)
	$(PY) scripts/coverage_floors.py
	$(if $(filter 1,$(STACK)),$(MAKE) --no-print-directory test-stack)

# template.yaml run as AWS would: the sam build output on Python 3.13, roles enforced, event
# sources as declared (tests/support/stack). Builds first if .aws-sam/build is not current.
# Needs Python 3.13 (the Lambda runtime): without one it is skipped with a message, except
# under CI (CI=true), where that fails.
test-stack: setup
	@if ! scripts/python313 -c '' 2>/dev/null; then \
		echo "test-stack: skipped, no Python 3.13 interpreter found (see scripts/python313)"; \
		[[ "$${CI:-}" != true ]]; exit; \
	fi; \
	$(PY) -m pytest -m stack $(PYTEST_ARGS) tests/stack

test-unit: venv
	$(PY) -m pytest -m unit $(PYTEST_ARGS)

test-functional: setup
	$(PY) -m pytest -m functional $(XDIST) $(PYTEST_ARGS)

test-integration: setup
	$(PY) -m pytest -m integration $(XDIST) $(PYTEST_ARGS)

test-py313:
	@if ! scripts/python313 -c '' 2>/dev/null; then \
		echo "test-py313: skipped, no Python 3.13 interpreter found (see scripts/python313)"; \
		exit 0; \
	fi; \
	if [[ ! -x $(VENV313)/bin/python ]]; then scripts/python313 -m venv $(VENV313); fi; \
	$(MAKE) --no-print-directory install test VENV=$(VENV313) STACK=0

check: lint typecheck validate test

$(addprefix bench-,$(BENCHES)): bench-%: setup
	$(PY) bench/$*/run.py

bench: $(addprefix bench-,$(BENCHES))

demo: setup
	$(PY) demo/run.py

clean:
	rm -rf .aws-sam .mypy_cache .ruff_cache .pytest_cache .coverage .coverage.*
	find . -path ./$(VENV) -prune -o -path ./$(VENV313) -prune -o -path ./.tools -prune -o \
		-name __pycache__ -type d -prune -exec rm -rf {} +
