# Two commands matter: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# uv resolves the lock file; it lives in a venv of its own, so .venv holds only the lock.
TOOLS := .tools
UV_VERSION := 0.13.9

.PHONY: venv lock run test lint clean compose-tool browser-tool bench messages screenshots

venv: $(STAMP)

# Installs exactly the versions in requirements-dev.lock (every file checked against its
# hash), then the project itself without resolving anything; `pip check` fails if
# pyproject.toml asks for a package the lock lacks (then run `make lock`). Re-runs when
# pyproject.toml or the lock change.
$(STAMP): pyproject.toml requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --no-deps -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

# Re-resolves the locks from pyproject.toml, for Python 3.11+ on any platform:
# requirements.lock (what the service needs: the Docker image) and requirements-dev.lock
# (that plus the dev extras: .venv), which keeps the versions of the first. Versions
# already locked stay while pyproject.toml allows them; `make lock UPGRADE=1` takes the
# newest versions it allows.
UV_COMPILE = $(TOOLS)/bin/uv pip compile pyproject.toml --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)
lock: $(TOOLS)/bin/uv
	$(UV_COMPILE) -o requirements.lock
	$(UV_COMPILE) --extra dev -c requirements.lock -o requirements-dev.lock

$(TOOLS)/bin/uv:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install uv==$(UV_VERSION)

run: venv
	$(BIN)/agent-records serve --demo

test: venv compose-tool browser-tool
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

# The web pages' French catalogue in step with their labels (babel.cfg): adds new labels
# to agent_records/web/locale/fr/LC_MESSAGES/messages.po and lists the untranslated ones.
messages: venv
	$(BIN)/python -m agent_records.web.catalogue

# PNGs of the main web pages for the README (docs/screenshots.py: the demo service, chromium).
screenshots: venv browser-tool
	$(BIN)/python docs/screenshots.py

lint: venv
	$(BIN)/ruff check .

# Benchmarks against the test PostgreSQL (see BENCHMARKS.md): quick sizes by default,
# `make bench FULL=1` for the full sizes.
bench: venv
	FULL=$(FULL) $(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) $(TOOLS) build dist *.egg-info .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# docker-compose (Debian's 1.29) validates docker-compose.yml offline in tests/deploy.
compose-tool:
	@command -v docker-compose >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq --no-install-recommends docker-compose; \
	  else \
	    echo "docker-compose is missing: tests/deploy will fail; run: sudo apt-get install docker-compose"; \
	  fi; }

# Debian's chromium runs the web pages' browser tests (tests/web, Playwright pointed at
# /usr/bin/chromium; Playwright's own browser download is never used).
browser-tool:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq --no-install-recommends chromium; \
	  else \
	    echo "chromium is missing: tests/web's browser tests are skipped; run: sudo apt-get install chromium"; \
	  fi; }
