# The two commands of the quickstart: `make demo` and `make test`.
# Everything they need is installed here: Python packages into .venv, and the
# Debian packages the tests use (as root, after apt-get update) by `make system`.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# `make check` is the fast loop: lint, types and the tests not marked e2e, prefect or slow,
# spread over every core (pytest-xdist). `make test` is everything, what .ci/run runs: the
# same and the slow tests over every core, then the Prefect-flow and end-to-end tests one at
# a time, in one process: they share one temporary Prefect server, which each worker would start.
.PHONY: demo test check fuzz lint typecheck pytest schema ui bench clean system

demo: $(STAMP)
	$(BIN)/consult demo

test: system $(STAMP) lint typecheck pytest

check: $(STAMP) lint typecheck
	$(BIN)/pytest -n auto --dist loadgroup -m "not e2e and not prefect and not slow"

# The long fuzz of every reader of outside input (tests/fuzzing.py); `make test` runs 2,000 cases.
fuzz: $(STAMP)
	$(BIN)/python -m tests.fuzzing --cases 20000

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -n auto --dist loadgroup -m "not e2e and not prefect"
	$(BIN)/pytest -m "e2e or prefect"

# A local Prefect server (SQLite, 127.0.0.1) serving every deployment of prefect.yaml; Ctrl-C stops it.
ui: $(STAMP)
	$(BIN)/consult ui

schema: $(STAMP)
	$(BIN)/consult schema

bench: $(STAMP)
	@for bench in bench/[a-z]*.py; do PREFECT_SERVER_ANALYTICS_ENABLED=false $(BIN)/python -m bench.$$(basename $$bench .py) || exit 1; done

# The Debian packages the tests use: a PostgreSQL server, which tests/pg.py starts on loopback;
# Dovecot (IMAP) for the replies' tests; Pango and fonts for the briefing pack's PDF;
# and Chromium, which the browser test drives through Playwright.
# Only root can install them; anyone else is told, and those tests skip.
system:
	@command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	if [ "$$(id -u)" -eq 0 ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; \
	else \
		echo "make system: PostgreSQL is not installed and only root can install it" \
			"(apt-get install postgresql): the tests that need it will be skipped"; \
	fi
	@# A real IMAP server (Dovecot) for the tests of replies read from a mailbox; never started as a service.
	@test -x /usr/sbin/dovecot || \
	if [ "$$(id -u)" -eq 0 ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y dovecot-imapd \
			&& { service dovecot stop >/dev/null 2>&1 || true; }; \
	else \
		echo "make system: Dovecot is not installed and only root can install it" \
			"(apt-get install dovecot-imapd): the IMAP tests will be skipped"; \
	fi
	@# The briefing pack's PDF: WeasyPrint needs Pango, and the DejaVu fonts carry the Georgian glyphs.
	@ls /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf >/dev/null 2>&1 && ldconfig -p | grep -q libpangoft2 || \
	if [ "$$(id -u)" -eq 0 ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0; \
	else \
		echo "make system: Pango or the DejaVu fonts are missing and only root can install them" \
			"(apt-get install fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0)"; \
	fi
	@# Chromium, which the browser test drives through Playwright (no browser download).
	@test -x /usr/bin/chromium || \
	if [ "$$(id -u)" -eq 0 ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else \
		echo "make system: Chromium is not installed and only root can install it" \
			"(apt-get install chromium): the browser test will be skipped"; \
	fi

# Reinstall only when the project's dependencies change.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

clean:
	rm -rf $(VENV) build .mypy_cache .ruff_cache .pytest_cache .hypothesis
