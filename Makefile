# Two entry points do all set-up on a fresh machine:
#   make demo   walks the example app through init, migrate, upgrade, downgrade, upgrade on SQLite
#   make test   runs the whole suite (SQLite, PostgreSQL, MariaDB), then the minimum-versions leg
PYTHON ?= python3
VENV := .venv
VENV_MIN := .venv-min
VENV_BENCH := .venv-bench
PY := $(VENV)/bin/python
PY_MIN := $(VENV_MIN)/bin/python

# Oldest releases we promise to support (see pyproject.toml). SQLAlchemy 1.4 needs
# Alembic < 1.20 and has no psycopg 3 dialect, so this leg talks to PostgreSQL through psycopg2.
MINIMUMS := "Flask==2.2.5" "Werkzeug==2.2.3" "SQLAlchemy==1.4.54" "Flask-SQLAlchemy==2.5.1" "alembic==1.16.5" "click==8.1.7"

.PHONY: demo test test-main test-min bench lint typecheck clean chromium

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip>=25.1"
	$(PY) -m pip install -q -e . --group test --group lint
	touch $@

$(VENV_MIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV_MIN)
	$(PY_MIN) -m pip install -q --upgrade "pip>=25.1"
	$(PY_MIN) -m pip install -q -e . "pytest>=8" "psycopg2-binary>=2.9" $(MINIMUMS)
	touch $@

# Benchmarks compare with other tools (pytest-alembic), kept out of the test venv.
$(VENV_BENCH)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV_BENCH)
	$(VENV_BENCH)/bin/python -m pip install -q --upgrade "pip>=25.1"
	$(VENV_BENCH)/bin/python -m pip install -q -e . --group bench --group test
	touch $@

bench: $(VENV_BENCH)/.installed
	$(VENV_BENCH)/bin/python bench/migration_tests.py

demo: $(VENV)/.installed
	$(PY) examples/demo.py

test: test-main test-min

# The graph page test loads the HTML in headless Chromium (Debian's package). Installed only
# when missing; under CI=true the test fails rather than skips if it is still not there.
CHROMIUM ?= /usr/bin/chromium

chromium:
	@test -x $(CHROMIUM) || (apt-get update && apt-get install -y --no-install-recommends chromium)

test-main: $(VENV)/.installed chromium
	$(VENV)/bin/ruff check src tests examples bench
	$(VENV)/bin/mypy
	$(PY) -m pytest

# The minimum-versions leg runs on SQLite and PostgreSQL, as the foundation issue asks.
test-min: $(VENV_MIN)/.installed chromium
	REMODEL_TEST_BACKENDS=sqlite,postgresql $(PY_MIN) -m pytest -m "not needs_latest"

clean:
	rm -rf $(VENV) $(VENV_MIN) $(VENV_BENCH) build dist
