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

# A local Prefect server (SQLite, 127.0.0.1) serving every deployment of prefect.yaml, and the
# desk, on the demo's workspace build/demo (made by `make demo` when missing); Ctrl-C stops it.
ui: $(STAMP)
	@test -f build/demo/stakeholders.yaml || $(BIN)/consult demo
	$(BIN)/consult ui --workspace build/demo

schema: $(STAMP)
	$(BIN)/consult schema

# Every benchmark of bench/, each to its end even when one before it failed; then the ones that
# failed, and exit 1 if any did. `make bench BENCH_ARGS=--quick`: small sizes, the same code
# (what `make test` runs, in tests/e2e/test_benchmarks.py).
BENCH_ARGS ?=
bench: $(STAMP)
	@failed=""; \
	for bench in bench/[a-z]*.py; do \
		name=$$(basename $$bench .py); \
		echo "== python -m bench.$$name $(BENCH_ARGS)"; \
		PREFECT_SERVER_ANALYTICS_ENABLED=false $(BIN)/python -m bench.$$name $(BENCH_ARGS) \
			|| { echo "== bench.$$name FAILED (exit $$?)" >&2; failed="$$failed $$name"; }; \
	done; \
	if [ -n "$$failed" ]; then echo "make bench: these failed:$$failed" >&2; exit 1; fi

# The Debian packages the tests use: a PostgreSQL server, which tests/pg.py starts on loopback;
# Dovecot (IMAP) for the replies' tests; Pango and fonts for the briefing pack's PDF;
# and Chromium, which the browser test drives through Playwright.
# Only root can install them; anyone else is told, and those tests skip.
# apt-get waits up to 10 minutes for another install to end instead of failing at once:
# DPkg::Lock::Timeout makes install wait for dpkg's lock, but update does not wait for the
# package lists' lock with it (apt 2.6), so update is tried again every 5 s while that is held.
APT := DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600
APT_UPDATE := tries=120; \
	while ! out=$$($(APT) update 2>&1); do \
		if [ $$tries -eq 0 ] || ! echo "$$out" | grep -q "Could not get lock"; then \
			echo "$$out" >&2; exit 1; \
		fi; \
		[ $$tries -lt 120 ] || echo "make system: waiting for another apt-get to release its lock"; \
		tries=$$((tries - 1)); sleep 5; \
	done; \
	echo "$$out" | tail -n 1
system:
	@command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	if [ "$$(id -u)" -eq 0 ]; then \
		$(APT_UPDATE) && $(APT) install -y postgresql; \
	else \
		echo "make system: PostgreSQL is not installed and only root can install it" \
			"(apt-get install postgresql): the tests that need it will be skipped"; \
	fi
	@# A real IMAP server (Dovecot) for the tests of replies read from a mailbox; never started as a service.
	@test -x /usr/sbin/dovecot || \
	if [ "$$(id -u)" -eq 0 ]; then \
		$(APT_UPDATE) && $(APT) install -y dovecot-imapd \
			&& { service dovecot stop >/dev/null 2>&1 || true; }; \
	else \
		echo "make system: Dovecot is not installed and only root can install it" \
			"(apt-get install dovecot-imapd): the IMAP tests will be skipped"; \
	fi
	@# The briefing pack's PDF: WeasyPrint needs Pango, and the DejaVu fonts carry the Georgian glyphs.
	@ls /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf >/dev/null 2>&1 && ldconfig -p | grep -q libpangoft2 || \
	if [ "$$(id -u)" -eq 0 ]; then \
		$(APT_UPDATE) && $(APT) install -y fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0; \
	else \
		echo "make system: Pango or the DejaVu fonts are missing and only root can install them" \
			"(apt-get install fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0)"; \
	fi
	@# Chromium, which the browser test drives through Playwright (no browser download).
	@test -x /usr/bin/chromium || \
	if [ "$$(id -u)" -eq 0 ]; then \
		$(APT_UPDATE) && $(APT) install -y chromium; \
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
