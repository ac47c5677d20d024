# The two commands a newcomer needs: `make run` and `make test`. `make help` lists the rest.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
EMULATOR_PORT ?= 8001

.DEFAULT_GOAL := help
.PHONY: help install run serve test lint fmt migrations-check pytest test-servers deploy-config bench lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -e 's|$$(HOST)|$(HOST)|g' -e 's|$$(PORT)|$(PORT)|g' \
	  | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

install: $(BIN)/.installed ## create .venv and install the pinned requirements

run: install ## migrate, seed and start everything on http://$(HOST):$(PORT) (SQLite under var/; PORT=, EMULATOR_PORT= move it)
	HOST=$(HOST) PORT=$(PORT) EMULATOR_PORT=$(EMULATOR_PORT) scripts/run.sh

test: install lint migrations-check pytest ## ruff, import contracts, migration check and the full test suite on PostgreSQL

lint: install ## ruff lint and format check, and the import contracts between the apps (pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

fmt: install ## apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install ## fail when a model change has no migration
	$(BIN)/python manage.py makemigrations --check --dry-run

pytest: install test-servers ## the test suite only, on PostgreSQL (see scripts/with-postgres.sh)
	scripts/ensure-browser.sh
	scripts/with-postgres.sh $(BIN)/pytest $(PYTEST_ARGS)

test-servers: install ## install the real servers and tools some tests use when missing (prometheus, promtool, kubectl, hadolint; see the script)
	@scripts/install-test-servers.sh

deploy-config: ## copy config/ into deploy/base/config (the ConfigMap kustomize builds; a test compares them)
	rm -f deploy/base/config/* && cp config/* deploy/base/config/

bench: install ## benchmarks (figures, not pass/fail) on PostgreSQL
	scripts/with-postgres.sh $(BIN)/python -m bench

lock: install ## recompile requirements.txt from requirements.in
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.txt requirements.in

clean: ## remove the virtualenv and local state (var/)
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
