# Two commands: `make serve` and `make test`. Everything they need is installed here, at the exact
# versions and hashes of uv.lock (`make lock` moves them; README, "Dependencies").
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# uv itself, from hashes in tools/uv-requirements.txt, in a folder of its own: `uv sync` keeps the
# venv to exactly the lock, so uv must not live in it.
TOOLS := .tools
UV := $(TOOLS)/bin/uv
# uv installs into $(VENV) with the machine's Python, never one it would download.
UV_ENV := UV_PROJECT_ENVIRONMENT=$(VENV) UV_PYTHON=$(PYTHON) UV_PYTHON_DOWNLOADS=never

.PHONY: serve test test-postgres lint unit clean services browser node node-runtime vendor locked runtime dev lock
.PHONY: upgrade

# Tests talk to a real PostgreSQL and Redis: the machine's own on 127.0.0.1 if they run, else
# ones the tests start from Debian's binaries (tests/support/services.py), installed here.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
APT := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends
APT_UPDATE := $(SUDO) apt-get update -qq

$(UV): tools/uv-requirements.txt
	test -x $(TOOLS)/bin/pip || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --require-hashes --no-deps -r tools/uv-requirements.txt
	touch $(UV)

# A dependency added to pyproject.toml (here, in bench/ or in chaos/) without `make lock` stops every
# install here, with this message, rather than installing something no lock has seen.
locked: $(UV)
	@$(UV) lock --check --quiet || { echo >&2; \
		echo "pyproject.toml and uv.lock disagree: run 'make lock' and commit uv.lock." >&2; \
		exit 1; }

# This machine sets PYTHONDONTWRITEBYTECODE=1, so a venv without bytecode had every process (each
# test server, each `hubbub admin`) compile its sources again: ~2 s of CPU per start. uv writes
# the libraries' bytecode (--compile-bytecode: all of site-packages when something changed,
# nothing when nothing did); our own sources are installed editable, which uv leaves alone, so
# compileall writes theirs (only files changed since). A stale .pyc is checked against its
# source's mtime and ignored.
COMPILE := $(UV) sync --locked --quiet --compile-bytecode

# The server's packages only: no test, lint or benchmark tools. --inexact leaves those alone
# where `make test` installed them before.
runtime: locked
	$(UV_ENV) $(COMPILE) --no-dev --inexact
	$(BIN)/python -m compileall -q src

# Everything `make test` and `hubbub bench` need: the runtime plus the dev group, exactly the lock.
dev: locked
	$(UV_ENV) $(COMPILE)
	$(BIN)/python -m compileall -q src bench/src chaos/src tests

# Re-resolve after changing a dependency in pyproject.toml: what the change needs moves, the rest
# of uv.lock stays where it is.
lock: $(UV)
	$(UV) lock
	$(UV) pip compile --quiet --universal --generate-hashes --python-version 3.11 \
		tools/uv-requirements.in -o tools/uv-requirements.txt

# Every dependency to its newest release inside pyproject.toml's ranges; then `make test`.
upgrade: $(UV)
	$(UV) lock --upgrade
	$(UV) pip compile --quiet --universal --generate-hashes --python-version 3.11 --upgrade \
		tools/uv-requirements.in -o tools/uv-requirements.txt

serve: runtime
	$(BIN)/hubbub serve

lint: dev
	$(BIN)/ruff check src tests bench chaos
	$(BIN)/ruff format --check src tests bench chaos
	$(BIN)/mypy
	$(BIN)/lint-imports

services:
	@command -v redis-server >/dev/null || $(APT) redis-server
	@command -v pg_ctl >/dev/null || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 \
		|| $(APT) postgresql

# The browser tests drive Debian's Chromium: Playwright's own browser download cannot work here.
browser:
	@command -v chromium >/dev/null || { $(APT_UPDATE) && $(APT) chromium; }

# Slack's Node.js SDKs (@slack/web-api, bolt, socket-mode, rtm-api, webhook) run against hubbub
# in tests/e2e/test_node_*.py: Debian's Node.js and npm, then the SDKs exactly as
# tests/node/package-lock.json has them (versions and integrity hashes), installed again only when
# the lock changed. npm ci writes node_modules/.package-lock.json last: it is the stamp. The SDKs
# need Node.js 20 (Debian 13's; Debian 12's own is 18, the machines here have NodeSource's 20): the
# tests fail with an older one, saying so.
NODE_DIR := tests/node
NODE_STAMP := $(NODE_DIR)/node_modules/.package-lock.json

node-runtime:
	@command -v node >/dev/null && command -v npm >/dev/null || { $(APT_UPDATE) && $(APT) nodejs npm; }

$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json | node-runtime
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

node: node-runtime $(NODE_STAMP)

# Each test has its own data directory, databases, Redis prefix and ports, so they run side by
# side (TEST_JOBS=1 for one). Most tests wait on servers, sockets and browsers more than they
# compute: on these 2-core machines two processes each used ~40% of a core and took 19-20
# minutes (2,697 tests), three took 15-16 (894 and 957 s of pytest, 2026-12-08).
TEST_JOBS ?= 3

test: lint services browser node
	$(BIN)/pytest -n $(TEST_JOBS) --durations=40

# The same tests with every test server on a PostgreSQL database of its own (~7 min here in
# one process, before make test ran two).
test-postgres: lint services node
	HUBBUB_TEST_STORE=postgres $(BIN)/pytest -n $(TEST_JOBS) tests/e2e tests/integration

# Third-party files fetched from the npm registry and committed, so that `make serve` needs
# neither the network nor Node (`make test` has Node for the SDK tests above, not for these).
# Bump a version here and in the vendor READMEs.
EMOJI_DATASOURCE := 16.0.0
AXE_CORE := 4.14.1
WEB_VENDOR := src/hubbub/web/static/vendor
TEST_VENDOR := tests/browser/vendor

vendor:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && cd "$$tmp" \
	&& npm pack --silent emoji-datasource-twitter@$(EMOJI_DATASOURCE) axe-core@$(AXE_CORE) >/dev/null \
	&& mkdir emoji axe \
	&& tar xzf emoji-datasource-twitter-$(EMOJI_DATASOURCE).tgz -C emoji --strip-components=1 \
	&& tar xzf axe-core-$(AXE_CORE).tgz -C axe --strip-components=1 \
	&& cd "$(CURDIR)" \
	&& $(PYTHON) tools/vendor_emoji.py "$$tmp/emoji/emoji.json" $(WEB_VENDOR)/emoji.json \
	&& cp "$$tmp/emoji/LICENSE" $(WEB_VENDOR)/LICENSE-emoji-datasource \
	&& cp "$$tmp/emoji/img/twitter/sheets-256/32.png" $(WEB_VENDOR)/emoji-twitter-32.png \
	&& cp "$$tmp/axe/axe.min.js" $(TEST_VENDOR)/axe.min.js \
	&& cp "$$tmp/axe/LICENSE" $(TEST_VENDOR)/LICENSE-axe-core \
	&& cp "$$tmp/axe/LICENSE-3RD-PARTY.txt" $(TEST_VENDOR)/LICENSE-axe-core-3RD-PARTY.txt

clean:
	rm -rf $(VENV) $(TOOLS) data .mypy_cache .ruff_cache
