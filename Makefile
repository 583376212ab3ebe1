# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUM := $(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
# What running needs (the runtime dependencies), and on top of it what testing needs.
RUN_STAMP := $(VENV)/.installed-run-$(SUM)
STAMP := $(VENV)/.installed-dev-$(SUM)

.PHONY: venv chromium node caddy run test lint typecheck unit lock compose-secrets clean wrk bench fuzz

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "error: Python 3.11 or newer is needed ($(PYTHON) is older)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	rm -f $(VENV)/.installed-run-*
	touch $@

$(STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	rm -f $(VENV)/.installed-dev-*
	touch $@

venv: $(STAMP)

run: $(RUN_STAMP)
	$(BIN)/python -m devtools.run_demo

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy

# The browser test drives Debian's Chromium (Playwright's own browser download is not used).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the browser test"; \
		if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium >/dev/null; }

# The relying-party libraries of other languages that tests drive (tests/node/package.json).
node:
	npm ci --prefix tests/node --no-audit --no-fund --silent


# The deployment test puts Debian's Caddy in front of the services, as compose.yaml does.
caddy:
	@command -v caddy >/dev/null 2>&1 || { \
		echo "installing Debian's caddy for the deployment test"; \
		if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq caddy >/dev/null; }

unit: venv chromium node caddy
	$(BIN)/pytest -q -n 2

test: lint typecheck unit

# The load generator of `make bench`: Debian's wrk, installed when missing.
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
		echo "installing Debian's wrk for the benchmark"; \
		if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq wrk >/dev/null; }

# Throughput and latency of both services against ceilings measured in the same run
# (issue 8); results in bench/results/, the table in docs/benchmarks.md.
bench: venv wrk
	$(BIN)/python -m devtools.bench

# Schemathesis against both running services for longer than `make test` does (issue 9), on
# SQLite and then PostgreSQL; each run prints how many cases it sent. FUZZ_EXAMPLES (per
# operation and generation phase, default 2000) and FUZZ_SEED change the campaign.
fuzz: venv
	@for database in sqlite postgresql; do \
		FUZZ_DATABASE=$$database FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-2000} \
			$(BIN)/pytest -q tests/fuzz/ || exit 1; \
	done

# Re-pin every dependency after changing pyproject.toml.
lock: venv
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o constraints.txt

# Fresh secrets for compose.yaml (never committed): database password and URLs, the key
# encryption key and the secret pepper. Existing files are kept. The services' files are
# private (mode 600: the services refuse a secret file others may read) and, when run as root,
# owned by the image's user (uid 10001), which reads them through the compose secrets.
compose-secrets:
	@mkdir -p -m 700 deploy/secrets && cd deploy/secrets && \
	[ -s postgres_password ] || $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(24))' > postgres_password; \
	pw=$$(cat postgres_password); \
	[ -s auth_database_url ] || echo "postgresql://oauth:$$pw@postgres:5432/oauth" > auth_database_url; \
	[ -s resource_database_url ] || echo "postgresql://oauth:$$pw@postgres:5432/oauth" > resource_database_url; \
	for f in auth_key_encryption_key auth_secret_pepper; do [ -s $$f ] || \
		$(PYTHON) -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())' > $$f; done; \
	chmod 600 auth_* resource_*; if [ "$$(id -u)" = 0 ]; then chown 10001:10001 auth_* resource_*; \
	else echo "run: sudo chown 10001:10001 deploy/secrets/auth_* deploy/secrets/resource_*"; fi; \
	echo "secrets in deploy/secrets/: docker compose up --build"

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
