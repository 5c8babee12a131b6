# Two commands: `make serve` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: serve test test-postgres lint unit clean services browser vendor

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

# Each test has its own data directory, databases, Redis prefix and ports, so they run side by
# side: two processes take about 6 minutes here where one took 9 (TEST_JOBS=1 for one).
TEST_JOBS ?= 2

test: lint services browser
	$(BIN)/pytest -n $(TEST_JOBS)

# The same tests with every test server on a PostgreSQL database of its own (~7 min here in
# one process, before make test ran two).
test-postgres: lint services
	HUBBUB_TEST_STORE=postgres $(BIN)/pytest -n $(TEST_JOBS) tests/e2e tests/integration

# Third-party files fetched from the npm registry and committed, so neither `make serve` nor
# `make test` needs the network or Node. Bump a version here and in the vendor READMEs.
EMOJI_DATASOURCE := 16.0.0
AXE_CORE := 4.14.1
WEB_VENDOR := src/hubbub/web/static/vendor
TEST_VENDOR := tests/browser/vendor

vendor:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && cd "$$tmp" \
	&& npm pack --silent emoji-datasource@$(EMOJI_DATASOURCE) axe-core@$(AXE_CORE) >/dev/null \
	&& mkdir emoji axe \
	&& tar xzf emoji-datasource-$(EMOJI_DATASOURCE).tgz -C emoji --strip-components=1 \
	&& tar xzf axe-core-$(AXE_CORE).tgz -C axe --strip-components=1 \
	&& cd "$(CURDIR)" \
	&& $(PYTHON) tools/vendor_emoji.py "$$tmp/emoji/emoji.json" $(WEB_VENDOR)/emoji.json \
	&& cp "$$tmp/emoji/LICENSE" $(WEB_VENDOR)/LICENSE-emoji-datasource \
	&& cp "$$tmp/axe/axe.min.js" $(TEST_VENDOR)/axe.min.js \
	&& cp "$$tmp/axe/LICENSE" $(TEST_VENDOR)/LICENSE-axe-core \
	&& cp "$$tmp/axe/LICENSE-3RD-PARTY.txt" $(TEST_VENDOR)/LICENSE-axe-core-3RD-PARTY.txt

clean:
	rm -rf $(VENV) data .mypy_cache .ruff_cache
