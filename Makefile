# Two commands: `make serve` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: serve test test-postgres lint unit clean services browser

# Tests talk to a real PostgreSQL and Redis: the machine's own on 127.0.0.1 if they run, else
# ones the tests start from Debian's binaries (tests/support/services.py), installed here.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
APT := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends
APT_UPDATE := $(SUDO) apt-get update -qq

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

# The browser tests drive Debian's Chromium: Playwright's own browser download cannot work here.
browser:
	@command -v chromium >/dev/null || { $(APT_UPDATE) && $(APT) chromium; }

test: lint services browser
	$(BIN)/pytest

# The same tests with every test server on a PostgreSQL database of its own (~7 min here).
test-postgres: lint services
	HUBBUB_TEST_STORE=postgres $(BIN)/pytest tests/e2e tests/integration

clean:
	rm -rf $(VENV) data .mypy_cache .ruff_cache
