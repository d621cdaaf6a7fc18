# Gremium: `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= config.toml
SANDBOX_PORT ?= 8080

.DEFAULT_GOAL := help

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Gremium needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP) ## Create .venv and install Gremium with its development tools

i18n-compile: $(STAMP)
	@$(BIN)/pybabel compile --domain gremium --directory locales --statistics 2>&1 | grep -v '^$$' || true

run: $(STAMP) i18n-compile ## Run the bot (reads ./config.toml, or CONFIG=path)
	$(BIN)/gremium run --config $(CONFIG)

sandbox: $(STAMP) i18n-compile ## Try the whole bot in a browser at http://127.0.0.1:8080: no Telegram, no token
	GREMIUM_VIA_MAKE=1 $(BIN)/gremium sandbox --port $(SANDBOX_PORT)

emulator: $(STAMP) ## Run the local Bot API emulator on http://127.0.0.1:8081
	$(BIN)/python -m sandbox.emulator --host 127.0.0.1 --port 8081

test: $(STAMP) i18n-compile ## Run the test suite (without the release test)
	$(BIN)/pytest

test-release: $(STAMP) ## Build the wheel, install it outside the checkout, run it (~1 min)
	$(BIN)/pytest -m release tests/release

dist: $(STAMP) ## Build the release: dist/gremium-<version>.tar.gz and the wheel
	rm -rf dist
	$(BIN)/python -m build --outdir dist

RELIABILITY := tests/e2e/test_faults.py tests/e2e/test_redelivery.py tests/e2e/test_hostile.py \
	tests/e2e/test_authorization.py tests/e2e/test_contention.py tests/storage/test_contention.py \
	tests/crash

soak: $(STAMP) i18n-compile ## Long reliability runs: more faults, SIGKILLs, hypothesis examples (SEED=n)
	HYPOTHESIS_PROFILE=soak GREMIUM_CRASH_SEED=$${SEED:-$$RANDOM} $(BIN)/pytest $(RELIABILITY)

bench: $(STAMP) i18n-compile ## Benchmarks (~15 min): prints a table, writes bench/results.md (QUICK=1: ~3 min)
	$(BIN)/python -m bench $(if $(filter-out 0,$(QUICK)),--quick)

lint: $(STAMP) ## ruff, ruff format --check, mypy (strict), import-linter
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: $(STAMP) ## Format and auto-fix the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: lint test test-release ## Everything CI runs: lint and tests

i18n: $(STAMP) ## Re-extract messages and update the catalogues under locales/
	$(BIN)/pybabel extract --mapping-file babel.cfg --keywords GremiumError --keywords lazy --keywords lazy_plural:1,2 --output-file locales/gremium.pot --project Gremium --add-comments TRANSLATORS: --sort-output --no-location --width 99 .
	$(BIN)/pybabel update --domain gremium --input-file locales/gremium.pot --output-dir locales --no-fuzzy-matching --ignore-obsolete --width 99
	$(BIN)/python tools/fill_english.py
	$(BIN)/pybabel compile --domain gremium --directory locales --statistics

clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist *.egg-info

.PHONY: help venv run sandbox emulator test test-release dist soak bench lint fmt check i18n i18n-compile clean
