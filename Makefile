# Two entry points do all set-up on a fresh machine:
#   make demo   walks the example app through init, migrate, upgrade, downgrade, upgrade on SQLite
#   make test   runs the whole suite on every supported CPython: the main leg on the newest
#               (SQLite, PostgreSQL, MariaDB), the other releases and the minimum-versions leg
#               on SQLite and PostgreSQL
# The newest supported CPython runs the main leg and the demo; tools/find-python finds it on
# PATH or in pyenv, and plain python3 stands in when it is not installed.
NEWEST_PYTHON := 3.13
OLDEST_PYTHON := 3.10
# The releases between, each a leg of its own on SQLite and PostgreSQL.
OTHER_PYTHONS := 3.11 3.12
PYTHON ?= $(shell tools/find-python $(NEWEST_PYTHON) 2>/dev/null || command -v python3)
VENV := .venv
VENV_MIN := .venv-min
VENV_BENCH := .venv-bench
VENV_ALEMBIC_LATEST := .venv-alembic-latest
PY := $(VENV)/bin/python
PY_MIN := $(VENV_MIN)/bin/python
# Tests run in parallel worker processes, each making its own databases (make test WORKERS=0:
# one process).
WORKERS ?= 3
PYTEST_PARALLEL := $(if $(filter 0,$(WORKERS)),,-n $(WORKERS))

# Oldest releases we promise to support (see pyproject.toml). SQLAlchemy 1.4 needs
# Alembic < 1.20 and has no psycopg 3 dialect, so this leg talks to PostgreSQL through psycopg2.
MINIMUMS := "Flask==2.2.5" "Werkzeug==2.2.3" "SQLAlchemy==1.4.54" "Flask-SQLAlchemy==2.5.1" "alembic==1.16.5" "click==8.1.7"

.PHONY: demo test test-main test-min test-pythons test-alembic-latest bench mutation lint typecheck clean chromium percona-toolkit

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip>=25.1"
	$(PY) -m pip install -q -e . --group test --group lint
	touch $@

$(VENV_MIN)/.installed: pyproject.toml
	py=$$(tools/find-python $(OLDEST_PYTHON)) && $$py -m venv $(VENV_MIN)
	$(PY_MIN) -m pip install -q --upgrade "pip>=25.1"
	$(PY_MIN) -m pip install -q -e . "pytest>=8" "pytest-xdist>=3.5" "psycopg2-binary>=2.9" $(MINIMUMS)
	touch $@

# One venv per other CPython release, with the newest dependencies.
.venv-py%/.installed: pyproject.toml
	py=$$(tools/find-python $*) && $$py -m venv .venv-py$*
	.venv-py$*/bin/python -m pip install -q --upgrade "pip>=25.1"
	.venv-py$*/bin/python -m pip install -q -e . --group test
	touch $@

# Benchmarks compare with other tools (pytest-alembic), kept out of the test venv.
$(VENV_BENCH)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV_BENCH)
	$(VENV_BENCH)/bin/python -m pip install -q --upgrade "pip>=25.1"
	$(VENV_BENCH)/bin/python -m pip install -q -e . --group bench --group test
	touch $@

bench: $(VENV_BENCH)/.installed
	$(VENV_BENCH)/bin/python bench/migration_tests.py

# Mutation testing of the core packages ([tool.mutmut] in pyproject.toml): mutmut plants
# one-line bugs and runs the tests that reach each one; the score says how many were caught.
# Not part of make test (about an hour on 2 cores); `make mutation MUTATION_MIN=0` only reports.
# On SQLite by default; MUTATION_BACKENDS=sqlite,postgresql,mariadb also reaches the code
# that only runs on a server (it takes longer).
MUTATION_MIN ?= 90
MUTATION_BACKENDS ?= sqlite
mutation: $(VENV)/.installed percona-toolkit
	$(PY) -m pip install -q --group mutation
	rm -rf mutants
	REMODEL_TEST_BACKENDS=$(MUTATION_BACKENDS) $(VENV)/bin/mutmut run --max-children 2 > mutants.log 2>&1 \
		|| (tail -n 20 mutants.log; exit 1)
	$(PY) tools/mutation_score.py --min $(MUTATION_MIN)

demo: $(VENV)/.installed
	$(PY) examples/demo.py

test: test-main test-min test-pythons

# The graph page test loads the HTML in headless Chromium (Debian's package). Installed only
# when missing; under CI=true the test fails rather than skips if it is still not there.
CHROMIUM ?= /usr/bin/chromium

chromium:
	@test -x $(CHROMIUM) || (apt-get update && apt-get install -y --no-install-recommends chromium)

# The MariaDB tests of the table-copy path (tests/deploy/test_table_copy.py) run Percona's
# pt-online-schema-change (Debian's percona-toolkit), installed only when missing.
PT_OSC ?= /usr/bin/pt-online-schema-change

percona-toolkit:
	@test -x $(PT_OSC) || (apt-get update && apt-get install -y --no-install-recommends percona-toolkit)

test-main: $(VENV)/.installed chromium percona-toolkit
	$(VENV)/bin/ruff check src tests examples bench tools
	$(VENV)/bin/mypy
	$(PY) -m pytest $(PYTEST_PARALLEL)

# The minimum-versions leg runs on the oldest CPython, on SQLite and PostgreSQL. The fault
# trials (tests/faults, a few minutes) run in the main leg only: what they test is the deploy
# runner's logic, which does not change with the Python or SQLAlchemy release.
test-min: $(VENV_MIN)/.installed chromium
	REMODEL_TEST_BACKENDS=sqlite,postgresql $(PY_MIN) -m pytest $(PYTEST_PARALLEL) -m "not needs_latest and not faults"

# The Pythons between the oldest and the newest, on SQLite: what changes with the
# interpreter (reading revision files' bytecode, asyncio, the standard library) does not
# depend on the database, and PostgreSQL already runs on the oldest and the newest.
test-pythons: $(foreach version,$(OTHER_PYTHONS),test-py$(version))

test-py%: .venv-py%/.installed chromium
	REMODEL_TEST_BACKENDS=sqlite .venv-py$*/bin/python -m pytest $(PYTEST_PARALLEL) -m "not faults"

# Opt-in, weekly; not part of `make test`. The newest Alembic release, past the cap in
# pyproject.toml, against the seam's contract tests (tests/seam: every private Alembic name and
# behaviour src/flask_remodel/_alembic.py relies on) and the suites that lean on Alembic most
# (tests/autogenerate, tests/history), on SQLite. A failure names what changed: review
# _alembic.py against that release before raising the cap.
$(VENV_ALEMBIC_LATEST)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV_ALEMBIC_LATEST)
	$(VENV_ALEMBIC_LATEST)/bin/python -m pip install -q --upgrade "pip>=25.1"
	$(VENV_ALEMBIC_LATEST)/bin/python -m pip install -q -e . --group test
	touch $@

test-alembic-latest: $(VENV_ALEMBIC_LATEST)/.installed
	@# pip installs the newest release and only warns that it breaks the cap.
	$(VENV_ALEMBIC_LATEST)/bin/python -m pip install -q --upgrade alembic
	$(VENV_ALEMBIC_LATEST)/bin/python -c "import alembic, sqlalchemy; \
		print('alembic', alembic.__version__, '/ SQLAlchemy', sqlalchemy.__version__)"
	REMODEL_TEST_BACKENDS=sqlite $(VENV_ALEMBIC_LATEST)/bin/python -m pytest $(PYTEST_PARALLEL) \
		tests/seam tests/autogenerate tests/revision_index

clean:
	rm -rf $(VENV) $(VENV_MIN) $(VENV_BENCH) $(VENV_ALEMBIC_LATEST) $(foreach version,$(OTHER_PYTHONS),.venv-py$(version)) build dist mutants mutants.log
