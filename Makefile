# Two commands matter: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv run test lint clean compose-tool bench

venv: $(STAMP)

# Re-install whenever the dependencies in pyproject.toml change.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[dev]'
	touch $(STAMP)

run: venv
	$(BIN)/agent-records serve --demo

test: venv compose-tool
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check .

# Benchmarks against the test PostgreSQL (see BENCHMARKS.md): quick sizes by default,
# `make bench FULL=1` for the full sizes.
bench: venv
	FULL=$(FULL) $(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .hypothesis
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
