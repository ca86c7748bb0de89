# Every target sets up what it needs: a fresh clone runs `make run` or `make test` directly.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint bench loadtest install worker beat clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# Static files are collected and compressed as in production (config/settings.py,
# STATIC_COLLECTED), so a chart page's first visit transfers about 1.2 MB, not 4.9 MB.
# Report builds and imports run on a background thread (BACKGROUND_TASKS,
# core/background.py), so no request waits for them and their pages show progress.
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	DJANGO_STATIC_COLLECTED=1 $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	DJANGO_STATIC_COLLECTED=1 BACKGROUND_TASKS=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run

# The suite runs in parallel, one pytest-xdist worker per core (TEST_WORKERS=0 for one
# process). --dist worksteal hands each worker a run of consecutive tests, so a module's
# shared rows (tests/shared_rows.py) are mostly built once, and moves tests to a worker
# that runs out. (The scope-grouping modes would run one of schemathesis's operations
# only: on pytest 9 they all share one node id.) Each worker has its own test database
# and, with REDIS_URL, the next Redis database after the one given (config/settings.py).
# pytest keeps the modules it rewrites for assertions (the tests', and every plugin's:
# schemathesis has hundreds) only where Python may write bytecode; rewriting them all
# again doubles each worker's collection time, so PYTHONDONTWRITEBYTECODE is lifted here
# (git ignores __pycache__).
# pytest exits 5 when it collects no test: treat that as a failure, never as green.
TEST_WORKERS ?= auto
test: install lint
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc

bench: install
	@test -n "$(DATABASE_URL)" || (echo "make bench needs DATABASE_URL (PostgreSQL)"; exit 2)
	$(BIN)/python manage.py ensure_database
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py bench

# A bounded load test (python manage.py loadtest): Locust, headless, against gunicorn with
# production settings on a free loopback port, on the seeded council. Locust is installed
# here only (the `load` extra, its requirements alone: the project is not reinstalled).
# LOADTEST_KEEP=1 reuses the council already in the database instead of reseeding it.
LOADTEST_SCALE ?= large
LOADTEST_USERS ?= 50
LOADTEST_SPAWN_RATE ?= 10
LOADTEST_SECONDS ?= 120
loadtest: install
	@test -n "$(DATABASE_URL)" || (echo "make loadtest needs DATABASE_URL (PostgreSQL)"; exit 2)
	@test -n "$(REDIS_URL)" || (echo "make loadtest needs REDIS_URL"; exit 2)
	$(BIN)/python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['load'], sep='\n')" \
		| $(BIN)/pip install --quiet -r /dev/stdin
	$(BIN)/python manage.py ensure_database
	$(BIN)/python manage.py loadtest --scale $(LOADTEST_SCALE) --users $(LOADTEST_USERS) \
		--spawn-rate $(LOADTEST_SPAWN_RATE) --seconds $(LOADTEST_SECONDS) $(if $(filter 1 yes true,$(LOADTEST_KEEP)),--keep)

worker: install
	$(BIN)/celery -A config worker --loglevel=INFO

beat: install
	$(BIN)/celery -A config beat --loglevel=INFO

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache
