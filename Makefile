# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

.PHONY: venv chromium node run test lint typecheck unit lock compose-secrets clean wrk bench fuzz

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "error: Python 3.11 or newer is needed ($(PYTHON) is older)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

venv: $(STAMP)

run: venv
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

# The real JavaScript clients the tests drive (oauth4webapi), pinned by the lock file.
node:
	npm ci --prefix tests/node --no-audit --no-fund

unit: venv chromium node
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
# encryption key and the secret pepper. Existing files are kept. The directory is private;
# the files stay readable so that the containers' unprivileged user can read their mounts.
compose-secrets:
	@mkdir -p -m 700 deploy/secrets && cd deploy/secrets && \
	[ -s postgres_password ] || $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(24))' > postgres_password; \
	pw=$$(cat postgres_password); \
	[ -s auth_database_url ] || echo "postgresql://oauth:$$pw@postgres:5432/oauth" > auth_database_url; \
	[ -s resource_database_url ] || echo "postgresql://oauth:$$pw@postgres:5432/oauth" > resource_database_url; \
	for f in auth_key_encryption_key auth_secret_pepper; do [ -s $$f ] || \
		$(PYTHON) -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())' > $$f; done; \
	echo "secrets in deploy/secrets/: docker compose up --build"

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
