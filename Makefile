# Two commands: `make serve` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: serve test test-postgres lint unit clean services

# Tests talk to a real PostgreSQL and Redis: the machine's own on 127.0.0.1 if they run, else
# ones the tests start from Debian's binaries (tests/support/services.py), installed here.
APT := $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y --no-install-recommends

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/hubbub serve

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

services:
	@command -v redis-server >/dev/null || $(APT) redis-server
	@command -v pg_ctl >/dev/null || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 \
		|| $(APT) postgresql

test: lint services
	$(BIN)/pytest

# The same tests with every test server on a PostgreSQL database of its own (~7 min here).
test-postgres: lint services
	HUBBUB_TEST_STORE=postgres $(BIN)/pytest tests/e2e tests/integration

clean:
	rm -rf $(VENV) data .mypy_cache .ruff_cache
